// Package peers tests final/ against real peers that no one here wrote:
// Python Tornado's clients and server, and curl. It has no code of its own
// beyond this comment; everything is in its tests, which start the peers as
// subprocesses on 127.0.0.1 and wait for them on what they print.
//
//   - tornado_client.py runs one case of Python Tornado's AsyncHTTPClient
//     (simple and curl-based), its HTTP1Connection client or
//     websocket_connect against final's HTTPServer and WebSocket Upgrade,
//     and prints what it sent and got as JSON lines.
//   - tornado_server.py is a small Tornado application that final's
//     AsyncHTTPClient, HTTPClient and WebSocketConnect talk to.
//   - curl talks HTTP/1.0 and 1.1, form posts, chunked uploads, HEAD,
//     Expect: 100-continue and keep-alive to final's HTTPServer, and
//     ranges, conditional requests and gzip to a final/web Application.
//
// The headless-Chromium tests (a page final serves, and the chat demo) are
// in package peers/browser, which drives Chromium's DevTools protocol over
// a pipe with no dependency; peers/internal/peertest holds the subprocess
// helpers both packages use.
//
// When a peer is missing the tests skip, saying how to install it, except
// under CI=true, where they fail: .ci/run installs the peers. See README.md.
package peers
