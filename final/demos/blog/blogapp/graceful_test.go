// Two blog processes behind nginx, one stopped while clients keep reading
// and posting: the deployment docs/deploy.md describes, run for real.

package blogapp

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runMainEnv, set to 1, makes the test binary run Main instead of the
// tests (see TestMain).
const runMainEnv = "BLOGAPP_RUN_MAIN"

// outputBuffer keeps a process's output, and tells listening once the
// program has printed its "blog listening on <url>" line.
type outputBuffer struct {
	mu        sync.Mutex
	b         bytes.Buffer
	listening chan string
	said      bool
}

var listeningLine = regexp.MustCompile(`blog listening on http://(\S+)\n`)

func (o *outputBuffer) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.b.Write(p)
	if m := listeningLine.FindSubmatch(o.b.Bytes()); m != nil && !o.said {
		o.said = true
		o.listening <- string(m[1])
	}
	return len(p), nil
}

func (o *outputBuffer) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// blogProcess is the blog's program running in a process of its own.
type blogProcess struct {
	// addr is where it listens, "127.0.0.1:port".
	addr string
	// cmd is the process; out its stdout and stderr (the access log).
	cmd *exec.Cmd
	out *outputBuffer
	// exited is closed once the process has been waited for; err is
	// Wait's result.
	exited chan struct{}
	err    error
}

// startBlogProcess runs this test binary as the blog (Main) with args
// after -addr 127.0.0.1:0, and returns once it listens. cleanup kills it
// if it is still running.
func startBlogProcess(t *testing.T, args ...string) *blogProcess {
	t.Helper()
	p := &blogProcess{out: &outputBuffer{listening: make(chan string, 1)}, exited: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	p.cmd.Env = append(os.Environ(), runMainEnv+"=1")
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	require.NoError(t, p.cmd.Start())
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			out := p.out.String()
			t.Logf("blog at %s said (its last 4 KiB):\n%s", p.addr, out[max(0, len(out)-4096):])
		}
	})
	select {
	case p.addr = <-p.out.listening:
		return p
	case <-p.exited:
		t.Fatalf("the blog exited at start (%v):\n%s", p.err, p.out.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("the blog did not listen within 60 s:\n%s", p.out.String())
	}
	return nil
}

// served counts the requests for path a blog process has logged.
func (p *blogProcess) served(method, path string) int {
	return strings.Count(p.out.String(), " "+method+" "+path+" (")
}

// tally counts the answers the clients get, by method and status, keeps
// every failure (a transport error, or a status other than 2xx and 3xx),
// and closes a channel when the count of answers reaches a mark.
type tally struct {
	mu       sync.Mutex
	answers  map[string]int // "GET 200": how many
	failures []string
	n        int
	marks    map[int]chan struct{}
}

func newTally() *tally {
	return &tally{answers: map[string]int{}, marks: map[int]chan struct{}{}}
}

// record counts one request's outcome.
func (t *tally) record(method, path string, resp *http.Response, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case err != nil:
		t.failures = append(t.failures, fmt.Sprintf("%s %s: %v", method, path, err))
	case resp.StatusCode >= 400:
		t.failures = append(t.failures, fmt.Sprintf("%s %s: %d", method, path, resp.StatusCode))
	}
	if resp != nil {
		t.answers[fmt.Sprintf("%s %d", method, resp.StatusCode)]++
	}
	t.n++
	if c, ok := t.marks[t.n]; ok {
		close(c)
		delete(t.marks, t.n)
	}
}

// after returns a channel closed once k more requests have been counted.
func (t *tally) after(k int) <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := make(chan struct{})
	t.marks[t.n+k] = c
	return c
}

// summary is the counts, one "METHOD status: n" a line, sorted.
func (t *tally) summary() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var lines []string
	for k, n := range t.answers {
		lines = append(lines, fmt.Sprintf("%s: %d", k, n))
	}
	sort.Strings(lines)
	return strings.Join(lines, ", ")
}

// fetch sends one request and reads the whole answer.
func fetch(c *http.Client, req *http.Request) (*http.Response, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return nil, err
	}
	return resp, nil
}

// wait fails t if c is not closed within d.
func wait(t *testing.T, c <-chan struct{}, d time.Duration, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(d):
		t.Fatalf("%s: not within %v", what, d)
	}
}

// TestGracefulStopBehindNginx: two blog processes on one PostgreSQL
// database behind deploy/nginx.conf; while eight readers (keep-alive,
// each its own connections to nginx) and the author (posting entries)
// keep requests going, one process gets SIGTERM and stops gracefully.
// Every request must be answered 2xx or 3xx: nginx sends what the
// stopping process cannot take to the other one.
func TestGracefulStopBehindNginx(t *testing.T) {
	dsn := postgresDSN(t)
	const secret = "the same secret in both processes"
	flags := []string{"-db", dsn, "-xheaders", "-cookie_secret", secret, "-loops", "1"}
	a := startBlogProcess(t, flags...)
	b := startBlogProcess(t, flags...)
	base, nginxLog := startNginx(t, [2]string{a.addr, b.addr})

	// The author signs up through nginx (one process), and writes five
	// entries, which the other process reads from the same database.
	ann := newBrowser(t, base)
	ann.signUp("ann@example.com", "s3cret")
	for _, title := range []string{"One", "Two", "Three", "Four", "Five"} {
		ann.compose("", title, "Some *text* for entry "+title+".")
	}
	_, home := ann.get("/")
	css := regexp.MustCompile(`href="(/static/blog\.css\?v=[^"]+)"`).FindStringSubmatch(home)
	require.NotNil(t, css)
	resp, _ := ann.get("/compose")
	require.Equal(t, 200, resp.StatusCode)

	counts := newTally()
	stop := make(chan struct{})
	var clients sync.WaitGroup
	for i := range 8 {
		clients.Add(1)
		go func() {
			defer clients.Done()
			tr := &http.Transport{MaxIdleConnsPerHost: 1}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
			paths := []string{"/", "/entry/one", "/archive", css[1]}
			for n := i; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				path := paths[n%len(paths)]
				req, _ := http.NewRequest("GET", base+path, nil)
				resp, err := fetch(c, req)
				counts.record("GET", path, resp, err)
			}
		}()
	}
	clients.Add(1)
	go func() {
		defer clients.Done()
		for n := 1; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			form := url.Values{"_xsrf": {ann.token}, "title": {fmt.Sprintf("Post %d", n)}, "markdown": {"More."}}
			req, _ := http.NewRequest("POST", base+"/compose", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := fetch(ann.c, req)
			counts.record("POST", "/compose", resp, err)
		}
	}()
	halt := sync.OnceFunc(func() {
		close(stop)
		clients.Wait()
	})
	defer halt()

	// Both processes serve; then one stops while the clients go on.
	wait(t, counts.after(400), 60*time.Second, "400 requests through nginx")
	require.Positive(t, a.served("GET", "/"), "nginx sends requests to the first process")
	require.Positive(t, b.served("GET", "/"), "and to the second")
	require.NoError(t, a.cmd.Process.Signal(syscall.SIGTERM))
	wait(t, a.exited, 30*time.Second, "the first process's graceful stop")
	assert.NoError(t, a.err, "exit status 0")
	assert.Contains(t, a.out.String(), "blog stopped")
	bBefore := b.served("GET", "/")
	wait(t, counts.after(400), 60*time.Second, "400 more requests, one process left")
	assert.Greater(t, b.served("GET", "/"), bBefore, "the second process serves alone")

	halt()
	t.Logf("answers: %s", counts.summary())
	counts.mu.Lock()
	defer counts.mu.Unlock()
	// One loss is nginx's rule, not the blog's: a POST that nginx wrote
	// on a kept-alive connection at the moment the stopping process
	// closed it (the process had sent its FIN, nginx had not read it
	// yet) is not resent, since nginx cannot know it was not applied,
	// and the client gets a 502. It never happened in 25 runs; should it,
	// nginx's log says so, and it is the one failure allowed here.
	log := nginxLog()
	for _, f := range counts.failures {
		if f == "POST /compose: 502" && postCutByRace.MatchString(log) {
			t.Logf("%s: a POST on a connection the stopping process was closing (docs/deploy.md)", f)
			continue
		}
		t.Errorf("lost: %s", f)
	}
	if t.Failed() {
		t.Logf("nginx's error log:\n%s", log)
	}
}

// postCutByRace matches nginx's error for a POST whose kept-alive
// upstream connection was closed under it.
var postCutByRace = regexp.MustCompile(`(upstream prematurely closed connection|Connection reset by peer).*request: "POST `)
