package testscripts

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// builtins are the small commands scripts need besides the project's own
// programs. They run inside the test process.
var builtins = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"waitfile": waitFile,
	"httpget":  httpGet,
}

// waitFile waits until a file holds a complete line (a server writes its
// address followed by a newline once it is listening), then optionally stores
// that line in an environment variable for the rest of the script:
//
//	waitfile [-timeout 10s] addr.txt [VAR]
//
// It fails after the timeout, so a server that never starts fails the script
// rather than hanging it.
func waitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! waitfile")
	}
	timeout := 10 * time.Second
	if len(args) >= 2 && args[0] == "-timeout" {
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		timeout, args = d, args[2:]
	}
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: waitfile [-timeout d] file [VAR]")
	}
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(timeout)
	// Polling a file is the one wait here that cannot be an event: the file is
	// written by another process. 5 ms keeps it quick without spinning.
	for {
		data, err := os.ReadFile(path)
		if err == nil && strings.HasSuffix(string(data), "\n") {
			if len(args) == 2 {
				ts.Setenv(args[1], strings.TrimSpace(string(data)))
			}
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waitfile: %s has no complete line after %v", args[0], timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// httpGet fetches a URL on the loopback interface and writes the body to the
// script's stdout. It fails on a transport error or a status other than 2xx,
// unless negated, and refuses any host that is not a loopback address.
//
//	httpget [-status] http://127.0.0.1:port/path
//
// With -status the first line of output is the status code and any status is
// accepted, so the script checks it with `stdout`.
func httpGet(ts *testscript.TestScript, neg bool, args []string) {
	withStatus := false
	if len(args) > 0 && args[0] == "-status" {
		withStatus, args = true, args[1:]
	}
	if len(args) != 1 {
		ts.Fatalf("usage: httpget [-status] url")
	}
	u, err := url.Parse(args[0])
	ts.Check(err)
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		ts.Fatalf("httpget: %s is not a loopback address", u.Host)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	ts.Check(err)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if neg {
			return
		}
		ts.Fatalf("httpget: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	ts.Check(err)
	if withStatus {
		fmt.Fprintf(ts.Stdout(), "%d\n", resp.StatusCode)
	}
	_, _ = ts.Stdout().Write(body)
	ok := withStatus || (resp.StatusCode >= 200 && resp.StatusCode < 300)
	if ok == neg {
		ts.Fatalf("httpget: status %d", resp.StatusCode)
	}
}
