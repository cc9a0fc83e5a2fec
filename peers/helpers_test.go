// Helpers shared by the peer tests: finding the peers (failing under CI
// when one is missing), running them as subprocesses that are always
// killed, and final's server that the Python and curl clients talk to.

package peers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/http1connection"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/websocket"
	"github.com/gornado/gornado/peers/internal/peertest"
)

// failsafe bounds every wait for a peer.
const failsafe = peertest.Failsafe

// findPython returns a Python 3 that can import tornado: $PEERS_PYTHON if
// set, else Debian's /usr/bin/python3 (python3-tornado installs there; a
// python3 earlier in PATH, such as pyenv's, may not see it), else python3.
var findPython = sync.OnceValues(func() (string, string) {
	candidates := []string{"/usr/bin/python3", "python3"}
	if p := os.Getenv("PEERS_PYTHON"); p != "" {
		candidates = []string{p}
	}
	var tried []string
	for _, c := range candidates {
		path, err := exec.LookPath(c)
		if err != nil {
			tried = append(tried, c+": "+err.Error())
			continue
		}
		out, err := exec.Command(path, "-c", "import tornado; print(tornado.version)").CombinedOutput()
		if err != nil {
			tried = append(tried, path+": "+strings.TrimSpace(lastLine(string(out))))
			continue
		}
		return path, strings.TrimSpace(string(out))
	}
	return "", strings.Join(tried, "; ")
})

// python returns the interpreter for the Tornado scripts, or skips (fails
// in CI).
func python(t *testing.T) string {
	t.Helper()
	path, version := findPython()
	if path == "" {
		missing(t, "Python 3 with Tornado ("+version+")", "apt-get install python3-tornado python3-pycurl")
	}
	t.Logf("Python Tornado %s (%s)", version, path)
	return path
}

// pythonModule skips (fails in CI) unless the Python python returns can
// import module, which Debian package pkg provides.
func pythonModule(t *testing.T, module, pkg string) {
	t.Helper()
	py := python(t)
	if out, err := exec.Command(py, "-c", "import "+module).CombinedOutput(); err != nil {
		missing(t, "Python module "+module+" ("+lastLine(string(out))+")", "apt-get install "+pkg)
	}
}

// curl returns the curl binary, or skips (fails in CI).
func curl(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("curl")
	if err != nil {
		missing(t, "curl", "apt-get install curl")
	}
	return path
}

// The subprocess helpers, under the names the tests use.
type proc = peertest.Proc

var (
	missing   = peertest.Missing
	lastLine  = peertest.LastLine
	startProc = peertest.Start
	run       = peertest.Run
)

// jsonLines decodes each line of out into a T.
func jsonLines[T any](t *testing.T, out string) []T {
	t.Helper()
	var all []T
	dec := json.NewDecoder(strings.NewReader(out))
	for {
		var v T
		err := dec.Decode(&v)
		if err == io.EOF {
			return all
		}
		require.NoError(t, err, "decoding %q", out)
		all = append(all, v)
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// quietSlog is a logger that drops everything, to keep the servers' logs
// out of the test output.
func quietSlog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// quietLogger keeps the loops' logs out of the test output.
func quietLogger() ioloop.Option { return ioloop.WithLogger(quietSlog()) }

// startLoop runs one loop for the test.
func startLoop(t *testing.T) *ioloop.IOLoop {
	g, err := ioloop.StartGroup(1, quietLogger())
	require.NoError(t, err)
	t.Cleanup(func() { g.Stop() })
	return g.Loops()[0]
}

// onLoop runs body as a coroutine on loop and waits for it.
func onLoop(t *testing.T, loop *ioloop.IOLoop, body func(co *gen.Co) error) {
	t.Helper()
	done := make(chan error, 1)
	loop.AddCallback(func() {
		f := gen.Go(loop, func(co *gen.Co) (struct{}, error) { return struct{}{}, body(co) })
		f.OnDone(func() { done <- f.Exception() })
	})
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(failsafe):
		t.Fatal("coroutine did not finish")
	}
}

// ---- final's server ------------------------------------------------------

// echoReply is final's /echo answer: the request as final's server parsed
// it.
type echoReply struct {
	Method           string `json:"method"`
	Target           string `json:"target"`
	Version          string `json:"version"`
	Framing          string `json:"framing"`
	ContentLength    string `json:"content_length"`
	TransferEncoding string `json:"transfer_encoding"`
	ContentType      string `json:"content_type"`
	Expect           string `json:"expect"`
	UserAgent        string `json:"user_agent"`
	BodyLen          int    `json:"body_len"`
	BodySHA256       string `json:"body_sha256"`
	// Conn numbers the connection that carried the request, from 1.
	Conn int `json:"conn"`
}

// wsEvent is what final's WebSocket echo handler saw.
type wsEvent struct {
	// Event is "open", "ping" or "close".
	Event string
	// Tag is the ?tag= of the handshake, which tells the cases apart.
	Tag string
	// Compressed says permessage-deflate was negotiated (open), and
	// Extensions with which parameters.
	Compressed bool
	Extensions string
	// Subprotocol is the one selected (open).
	Subprotocol string
	// Data is a ping's payload (ping).
	Data string
	// Code and Reason are the peer's Close frame's (close).
	Code   int
	Reason string
}

// finalServer is final's HTTPServer with an echo handler that records
// every request and the connection that carried it, and a WebSocket echo on
// /ws reached through Detach and websocket.Upgrade.
type finalServer struct {
	addr string
	// ws receives the WebSocket handler's events.
	ws chan wsEvent

	mu    sync.Mutex
	conns map[*http1connection.Conn]int
	reqs  []echoReply
}

// startFinal starts final's server on 127.0.0.1:0 with its own loops.
func startFinal(t *testing.T) *finalServer {
	t.Helper()
	f := &finalServer{ws: make(chan wsEvent, 64), conns: make(map[*http1connection.Conn]int)}
	srv := httpserver.New(httpserver.HandlerFunc(f.handle))
	srv.Loops = 2
	require.NoError(t, srv.Bind(0, "127.0.0.1"))
	require.NoError(t, srv.Start())
	t.Cleanup(func() { srv.Close() })
	f.addr = srv.Addr("127.0.0.1")
	return f
}

// url returns the server's URL for path.
func (f *finalServer) url(path string) string { return "http://" + f.addr + path }

// requests returns the requests served so far.
func (f *finalServer) requests() []echoReply {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]echoReply(nil), f.reqs...)
}

// connections returns how many connections have carried a request.
func (f *finalServer) connections() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.conns)
}

// nextWS waits for the WebSocket handler's next event.
func (f *finalServer) nextWS(t *testing.T) wsEvent {
	t.Helper()
	select {
	case ev := <-f.ws:
		return ev
	case <-time.After(failsafe):
		t.Fatal("final's WebSocket handler reported nothing")
	}
	return wsEvent{}
}

// handle runs on the server's loops.
func (f *finalServer) handle(req *httpserver.Request) {
	if string(req.Path()) == "/ws" {
		f.upgrade(req)
		return
	}
	h := &req.Head.Headers
	f.mu.Lock()
	id, ok := f.conns[req.Conn]
	if !ok {
		id = len(f.conns) + 1
		f.conns[req.Conn] = id
	}
	r := echoReply{
		Method:           req.Head.Method,
		Target:           string(req.Head.Target),
		Version:          req.Head.Version.String(),
		Framing:          req.Head.Framing.String(),
		ContentLength:    h.Get("Content-Length"),
		TransferEncoding: h.Get("Transfer-Encoding"),
		ContentType:      h.Get("Content-Type"),
		Expect:           h.Get("Expect"),
		UserAgent:        h.Get("User-Agent"),
		BodyLen:          len(req.Body),
		BodySHA256:       sha(req.Body),
		Conn:             id,
	}
	f.reqs = append(f.reqs, r)
	f.mu.Unlock()
	switch string(req.Path()) {
	case "/chunked":
		respondInPieces(req)
		return
	case "/big":
		respondBig(req, queryValue(string(req.Head.Target), "chunked") == "1")
		return
	}
	body, _ := json.Marshal(r)
	req.Conn.Respond(200, nil, "application/json", body)
}

// pieces is the body /chunked sends, piece by piece: sizes around buffer
// and hex-width edges.
func pieces() [][]byte {
	var out [][]byte
	for i, n := range []int{1, 15, 16, 4095, 70_000, 5} {
		out = append(out, bytes.Repeat([]byte{'A' + byte(i)}, n))
	}
	return out
}

// bigSize is the length of /big: large enough that the response cannot
// leave in one write and the server must wait for the peer to read.
const bigSize = 24 << 20

// bigBody is /big's body, made once.
var bigBody = sync.OnceValue(func() []byte { return postBody(bigSize) })

// respondBig sends bigBody whole with a Content-Length, or chunked in
// 1 MiB writes.
func respondBig(req *httpserver.Request, chunked bool) {
	if !chunked {
		req.Conn.Respond(200, nil, "application/octet-stream", bigBody())
		return
	}
	b := bigBody()
	h := req.Conn.ResponseHeaders()
	h.Set("Content-Type", "application/octet-stream")
	if req.Conn.WriteHeaders(200, h, nil) != nil {
		return
	}
	for len(b) > 0 {
		n := min(len(b), 1<<20)
		if req.Conn.Write(b[:n]) != nil {
			return
		}
		b = b[n:]
	}
	req.Conn.Finish()
}

// respondInPieces answers without a Content-Length, so the response is
// chunked on HTTP/1.1 and runs until the connection closes on HTTP/1.0.
func respondInPieces(req *httpserver.Request) {
	h := req.Conn.ResponseHeaders()
	h.Set("Content-Type", "text/plain")
	p := pieces()
	if req.Conn.WriteHeaders(200, h, p[0]) != nil {
		return
	}
	for _, piece := range p[1:] {
		if req.Conn.Write(piece) != nil {
			return
		}
	}
	req.Conn.Finish()
}

// upgrade hands /ws over to final's WebSocket layer, as web.Application
// does for a WebSocketHandler.
func (f *finalServer) upgrade(req *httpserver.Request) {
	target := string(req.Head.Target)
	r := &websocket.Request{
		Method:  req.Head.Method,
		Host:    string(req.Head.Host),
		Target:  target,
		Headers: &req.Head.Headers,
	}
	h := &wsEcho{events: f.ws, tag: queryValue(target, "tag")}
	switch queryValue(target, "compress") {
	case "1":
		h.compression = &websocket.CompressionOptions{}
	case "2":
		h.compression = &websocket.CompressionOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true}
	}
	stream, rest := req.Conn.Detach()
	r.Rest = rest
	websocket.Upgrade(stream, r, h, websocket.Options{})
}

// queryValue returns a query parameter's value in a request-target.
func queryValue(target, key string) string {
	_, q, _ := strings.Cut(target, "?")
	for _, kv := range strings.Split(q, "&") {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v
		}
	}
	return ""
}

// wsEcho echoes every message; "close me" makes it close with 4000 "as you
// wish", and it selects the subprotocol "gornado.v2" when offered, like
// tornado_server.py's handler.
type wsEcho struct {
	websocket.WebSocketHandler
	events      chan<- wsEvent
	tag         string
	compression *websocket.CompressionOptions
}

func (h *wsEcho) GetCompressionOptions(*websocket.Request) *websocket.CompressionOptions {
	return h.compression
}

func (h *wsEcho) SelectSubprotocol(_ *websocket.Request, offered []string) string {
	if slices.Contains(offered, "gornado.v2") {
		return "gornado.v2"
	}
	return ""
}

func (h *wsEcho) Open(c *websocket.Conn) concurrent.Awaitable {
	ev := wsEvent{Event: "open", Tag: h.tag, Subprotocol: c.Subprotocol()}
	if d := c.Deflate(); d != nil {
		ev.Compressed, ev.Extensions = true, d.String()
	}
	h.events <- ev
	return nil
}

func (h *wsEcho) OnPing(c *websocket.Conn, data []byte) {
	h.events <- wsEvent{Event: "ping", Tag: h.tag, Data: string(data)}
}

func (h *wsEcho) OnMessage(c *websocket.Conn, data []byte, binary bool) concurrent.Awaitable {
	if !binary && string(data) == "close me" {
		c.Close(4000, "as you wish")
		return nil
	}
	return c.WriteMessage(data, binary)
}

func (h *wsEcho) OnClose(c *websocket.Conn, code int, reason string) {
	h.events <- wsEvent{Event: "close", Tag: h.tag, Code: code, Reason: reason}
}
