// The blog behind nginx, with the server block of deploy/nginx.conf: the
// file the deployment page shows is the file this test runs.

package blogapp

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// findNginx returns the nginx binary: PATH, then Debian's /usr/sbin (not
// in a user's PATH). Missing, the test is skipped, except under CI=true,
// where .ci/run has installed it and its absence is a failure.
func findNginx(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("nginx is missing, and CI=true: .ci/run must install it (apt-get install nginx)")
	}
	t.Skip("nginx is missing: apt-get install nginx, or run `bash .ci/run`, which installs it")
	return ""
}

// startNginx runs nginx in front of the two blog processes at upstreams
// ("127.0.0.1:port" each), with deploy/nginx.conf's server block, its
// static root this package's directory (where static/ is), and returns
// its base URL and a function that reads its error log.
//
// nginx runs in the foreground, one process, its files in a temporary
// directory, on a port that was free a moment before; it is ready once a
// connection to it is accepted. cleanup stops it.
func startNginx(t *testing.T, upstreams [2]string) (base string, errorLog func() string) {
	t.Helper()
	bin := findNginx(t)
	site, err := os.ReadFile(filepath.Join("..", "deploy", "nginx.conf"))
	require.NoError(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	here, err := filepath.Abs(".")
	require.NoError(t, err)
	conf := string(site)
	for old, repl := range map[string]string{
		"listen 80;":             "listen " + addr + ";",
		"server 127.0.0.1:8000 ": "server " + upstreams[0] + " ",
		"server 127.0.0.1:8001 ": "server " + upstreams[1] + " ",
		"root /var/www/blog;":    "root " + here + ";",
	} {
		require.Equal(t, 1, strings.Count(conf, old), "deploy/nginx.conf has %q once", old)
		conf = strings.Replace(conf, old, repl, 1)
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "site.conf"), []byte(conf), 0o644))
	main := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events { worker_connections 64; }
http {
    # Debian's nginx.conf includes it too: the stylesheet is text/css.
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log %[1]s/access.log;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include %[1]s/site.conf;
}
`, dir)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(main), 0o644))

	l.Close() // nginx binds it
	cmd := exec.Command(bin, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGQUIT) // graceful: finish requests, then exit
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx stderr:\n%s\nerror.log:\n%s", stderr.String(), log)
		}
	})
	// nginx says nothing when it listens: try to connect until it
	// accepts, or exits, or 10 s have passed.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return "http://" + addr, func() string {
				log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
				return string(log)
			}
		}
		select {
		case <-exited:
			t.Fatalf("nginx exited at start:\n%s", stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not listen on %s within 10 s: %v", addr, err)
		}
	}
}

// TestBehindNginx: through deploy/nginx.conf, a client sees the blog as it
// would directly (redirects, forms with their XSRF tokens, the session),
// the blog logs the client's address rather than nginx's, and the feed's
// links name nginx's host and port. The client connects from 127.0.0.2, so
// that its address and nginx's (127.0.0.1) differ.
func TestBehindNginx(t *testing.T) {
	blog := startBlog(t, sqliteDSN(t), Options{}, func(c *Config) { c.XHeaders = true })
	// Both of the upstream's servers are this one blog: what is tested
	// here is what nginx passes on; two processes are the next test's.
	addr := strings.TrimPrefix(blog.url, "http://")
	base, _ := startNginx(t, [2]string{addr, addr})

	ann := newBrowser(t, base)
	jar, _ := cookiejar.New(nil)
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 10 * time.Second}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	ann.c.Jar, ann.c.Transport = jar, tr

	resp, _ := ann.get("/")
	assert.Equal(t, 302, resp.StatusCode)
	assert.Equal(t, "/compose", resp.Header.Get("Location"), "proxy_redirect off: the blog's own Location")
	assert.Equal(t, "gornado", resp.Header.Get("Server"), "proxy_pass_header Server")
	ann.signUp("ann@example.com", "s3cret")
	assert.Equal(t, "/entry/through-nginx", ann.compose("", "Through nginx", "Proxied *text*."))
	resp, page := ann.get("/entry/through-nginx")
	require.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, page, "<em>text</em>")

	logged := blog.s.Log().Expect(slog.LevelInfo, `200 GET /feed \(127\.0\.0\.2\)`)
	resp, feed := ann.get("/feed")
	logged.Done() // X-Real-IP: the access log names the client, not nginx
	require.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, feed, "<id>"+base+"/entry/through-nginx</id>", "links name nginx's Host")

	// The stylesheet comes from nginx, from the static directory: the
	// blog never sees it. Under the versioned URL the pages link, it is
	// cached for good (expires max); without a version, not.
	reached := blog.s.Log().Expect(slog.LevelInfo, `\d+ (GET /static/|POST /compose)`)
	css, err := os.ReadFile(filepath.Join("static", "blog.css"))
	require.NoError(t, err)
	m := regexp.MustCompile(`href="(/static/blog\.css\?v=[^"]+)"`).FindStringSubmatch(page)
	require.NotNil(t, m, "the page links the versioned stylesheet")
	resp, body := ann.get(m[1])
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, string(css), body)
	assert.Equal(t, "text/css", resp.Header.Get("Content-Type"))
	assert.True(t, strings.HasPrefix(resp.Header.Get("Server"), "nginx"), "served by nginx, not %q", resp.Header.Get("Server"))
	assert.Equal(t, "max-age=315360000", resp.Header.Get("Cache-Control"), "expires max")
	resp, _ = ann.get("/static/blog.css")
	require.Equal(t, 200, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("Cache-Control"), "no version, no lifetime")

	// A body over client_max_body_size is refused by nginx; the blog
	// never sees it.
	big := strings.NewReader("markdown=" + strings.Repeat("x", 2<<20))
	req, err := http.NewRequest("POST", base+"/compose", big)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = ann.c.Do(req)
	require.NoError(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	assert.Equal(t, 413, resp.StatusCode)
	// Neither the stylesheet nor the big body reached the blog.
	assert.Zero(t, reached.Count(), "requests nginx answered itself reached the blog")
	reached.Stop()
}

// TestDeployPageShowsTheFile: docs/deploy.md shows deploy/nginx.conf, the
// file TestBehindNginx runs, byte for byte, so the page cannot drift from
// what is tested.
func TestDeployPageShowsTheFile(t *testing.T) {
	conf, err := os.ReadFile(filepath.Join("..", "deploy", "nginx.conf"))
	require.NoError(t, err)
	page, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "docs", "deploy.md"))
	require.NoError(t, err)
	assert.Contains(t, string(page), "```nginx\n"+string(conf)+"```\n")
}
