package main

// The peers: every server (and HTTP client) the runner knows. Adding one is
// an entry here; final's entries are already in place and come alive when
// their directories exist in the root module (final-raw: when final/ builds).

// kind says how a peer is built and started.
type kind int

const (
	goProgram kind = iota // a Go main package, built with go build
	python                // servers/tornado/app.py under Debian's python3
	nginxKind             // Debian's nginx with a generated config
)

// Peer is a server under test, or an HTTP client under test.
type Peer struct {
	Name  string // the key in flags and results
	About string // one line for -list and the docs
	Kind  kind
	// Pkg is the Go package to build: relative to bench/ ("./servers/gnet"),
	// or to the repository root when InRoot is set ("./final/demos/helloworld").
	// InRoot and Optional packages are built each on its own, so that one that
	// fails to build (final/ is being written) takes only its peer out.
	Pkg    string
	InRoot bool
	// Root, if set, is the checkout an InRoot package is built in instead
	// of this one (final-base, see addBasePeer).
	Root string
	// Args are passed before -addr (clientload's "-client nethttp").
	Args []string
	// Script is a python peer's program in servers/tornado ("app.py" when
	// empty; te.go's Tornado peer runs te.py).
	Script string
	HTTP   bool // serves GET /, /json and /64k
	WS     bool // serves a WebSocket echo on /echo
	// Client marks an HTTP client measured by the client workload; it runs
	// as clientload does: flags -url -c -d -warmup, one JSON line with "rate".
	Client bool
	// Optional peers that are missing or fail to build are reported, not
	// fatal: final's, while final/ is being built.
	Optional bool
}

var peers = []Peer{
	{Name: "final", About: "gornado final/: final/demos/helloworld, Application + RequestHandler",
		Kind: goProgram, Pkg: "./final/demos/helloworld", InRoot: true, HTTP: true, WS: true, Optional: true,
		// No access log: none of the peers writes a line per request.
		Args: []string{"-logging", "none"}},
	// final-raw is final's HTTP layer without the framework (what gnet is to
	// the frameworks): built in bench's module, which replaces the root
	// module with ../ so that it compiles the same final/ as "final".
	{Name: "final-raw", About: "gornado final/httpserver without the framework: a HandlerFunc and Conn.Respond (servers/finalraw)",
		Kind: goProgram, Pkg: "./servers/finalraw", HTTP: true, Optional: true},
	{Name: "nethttp", About: "net/http Server + ServeMux", Kind: goProgram, Pkg: "./servers/nethttp", HTTP: true},
	{Name: "fasthttp", About: "valyala/fasthttp Server", Kind: goProgram, Pkg: "./servers/fasthttp", HTTP: true},
	// Only in the fortunes workload (te.go): fasthttp's te program with
	// html/template, the engine final uses, where fasthttp's entry uses
	// quicktemplate.
	{Name: "fasthttp-htmltpl", About: "fasthttp's te program with fortunes through html/template (servers/fasthttpte -template html); fortunes only",
		Kind: goProgram, Pkg: "./servers/fasthttpte"},
	{Name: "gnet", About: "panjf2000/gnet v2 with a minimal HTTP/1.1 responder", Kind: goProgram, Pkg: "./servers/gnet", HTTP: true},
	{Name: "nbio", About: "lesismal/nbio nbhttp engine and its WebSocket upgrader", Kind: goProgram, Pkg: "./servers/nbio", HTTP: true, WS: true},
	{Name: "gorilla", About: "gorilla/websocket echo on net/http", Kind: goProgram, Pkg: "./servers/gorilla", WS: true},
	{Name: "tornado", About: "Python Tornado (Debian python3-tornado), servers/tornado/app.py", Kind: python, HTTP: true, WS: true},
	{Name: "nginx", About: "nginx (Debian), one worker, return 200 and a static 64k file", Kind: nginxKind, HTTP: true},

	{Name: "final-client", About: "gornado final/httpclient: final/demos/clientload (clientload's flags and output)",
		Kind: goProgram, Pkg: "./final/demos/clientload", InRoot: true, Client: true, Optional: true},
	{Name: "nethttp-client", About: "net/http Client (cmd/clientload -client nethttp)", Kind: goProgram, Pkg: "./cmd/clientload", Args: []string{"-client", "nethttp"}, Client: true},
	{Name: "fasthttp-client", About: "fasthttp Client (cmd/clientload -client fasthttp)", Kind: goProgram, Pkg: "./cmd/clientload", Args: []string{"-client", "fasthttp"}, Client: true},
}

// addBasePeer adds final-base: final's helloworld built in root, another
// checkout of the repository, run with args, so that a change is measured
// against the code before it in one run, interleaved, on the same machine
// state (-base).
func addBasePeer(root string, args []string) {
	p := *peerByName("final")
	p.Name = "final-base"
	p.About = "final's helloworld built in " + root + " (-base)"
	p.Root, p.Args = root, args
	peers = append(peers, p)
}

func peerByName(name string) *Peer {
	for i := range peers {
		if peers[i].Name == name {
			return &peers[i]
		}
	}
	return nil
}
