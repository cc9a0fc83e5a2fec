// Package httpclient is Tornado's tornado.httpclient on final's loop:
// AsyncHTTPClient.Fetch returns a Future of an HTTPResponse, and HTTPClient
// is the blocking form for scripts and tests.
//
//	client := httpclient.New(loop)
//	client.Fetch(&httpclient.HTTPRequest{URL: "http://127.0.0.1:8888/"}).
//		AddDoneCallback(func(f *concurrent.Future[*httpclient.HTTPResponse]) {
//			resp, err := f.Result()
//			...
//		})
//
// # What it does
//
// HTTPRequest carries Tornado's options: method, headers, body or a body
// producer (sent chunked), streaming and header callbacks, connect and
// request timeouts, redirects (followed up to MaxRedirects, 303 and
// POST-after-301/302 turned into GET; Authorization and Cookie dropped when
// the origin changes), gzip response decompression (Accept-Encoding: gzip
// sent by default), TLS through a tls.Config (CA, client certificate,
// verification), Expect: 100-continue and basic authentication.
//
// At most MaxClients requests run at once; others wait in a queue. A
// timeout fails the Future with an *HTTPClientError of code 599 that says
// where it happened, as Tornado's messages do: ErrTimeoutInQueue,
// ErrTimeoutConnecting, ErrTimeoutRequest (errors.Is). A non-2xx response
// fails with an *HTTPClientError carrying Code and the Response, unless
// AllowNonOK (Tornado's raise_error=False).
//
// Unlike Tornado's simple client, connections are kept alive and pooled
// per origin (MaxIdlePerHost) and closed after IdleTimeout unused (90 s by
// default, as net/http's); a pooled connection the server has closed
// meanwhile is retried once on a new one.
//
// Responses are parsed by httputil.ResponseParser: strict where framing is
// decided (Content-Length, Transfer-Encoding), lenient where real servers
// stray harmlessly.
package httpclient
