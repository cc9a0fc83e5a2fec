// A small driver for headless Chromium over the DevTools protocol, spoken
// on the pipe Chromium opens with --remote-debugging-pipe: JSON messages
// separated by NUL bytes, commands on the child's fd 3 and answers and
// events on its fd 4. It needs no WebSocket and no dependency; it uses only
// Target, Page and Runtime methods that have been stable for years.

package browser

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/peers/internal/peertest"
)

// failsafe bounds every wait on the browser, so that a broken test fails
// instead of hanging; nothing waits for it to pass.
const failsafe = peertest.Failsafe

// chromiumFlags are the flags this machine needs (the network is closed,
// so background networking and component updates only produce refused
// connections), plus the DevTools pipe.
var chromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--no-default-browser-check", "--disable-dev-shm-usage", "--window-size=1000,700",
	"--remote-debugging-pipe",
}

// findChromium returns the Chromium binary: $PEERS_CHROMIUM, or chromium
// (Debian's package) or chromium-browser or google-chrome in PATH.
func findChromium() (string, error) {
	if p := os.Getenv("PEERS_CHROMIUM"); p != "" {
		return exec.LookPath(p)
	}
	var err error
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		var p string
		if p, err = exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", err
}

// cdpError is an error answer to a command.
type cdpError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *cdpError) Error() string { return fmt.Sprintf("cdp: %s (%d)", e.Message, e.Code) }

// message is any message on the pipe: an answer has an ID, an event a
// Method.
type message struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    any             `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *cdpError       `json:"error,omitempty"`
}

// browser is a running headless Chromium.
type browser struct {
	t   *testing.T
	cmd *exec.Cmd
	out *os.File // our end of the child's fd 3
	in  *os.File // our end of the child's fd 4
	// stderr is Chromium's, shown when a test fails.
	stderr *os.File

	mu      sync.Mutex
	nextID  int
	pending map[int]chan message
	// waiting maps a session and event name to the channel expect
	// returned; the first such event goes there.
	waiting map[string]chan message
	dead    error // set once the pipe has closed
}

// startBrowser starts Chromium with a fresh profile; t.Cleanup closes it,
// killing its process group if it does not exit.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	bin, err := findChromium()
	if err != nil {
		peertest.Missing(t, "Chromium", "apt-get install chromium")
	}
	profile := t.TempDir() // removed after the browser is gone (cleanups run last in, first out)
	toChild, ours, err := os.Pipe()
	require.NoError(t, err)
	theirs, fromChild, err := os.Pipe()
	require.NoError(t, err)
	cmd := exec.Command(bin, append(chromiumFlags, "--user-data-dir="+profile, "about:blank")...)
	cmd.ExtraFiles = []*os.File{toChild, fromChild} // fds 3 and 4
	// A group of its own, so that the cleanup can end the renderers too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	b := &browser{t: t, cmd: cmd, out: ours, in: theirs, pending: make(map[int]chan message), waiting: make(map[string]chan message)}
	// A file, not a pipe: Wait then returns when Chromium exits, not when
	// the last helper process holding the pipe does.
	b.stderr, err = os.Create(filepath.Join(t.TempDir(), "chromium-stderr.txt"))
	require.NoError(t, err)
	cmd.Stderr = b.stderr
	require.NoError(t, cmd.Start(), "starting %s", bin)
	toChild.Close()
	fromChild.Close()
	readDone := make(chan struct{})
	go b.read(readDone)
	t.Cleanup(func() { b.close(readDone) })
	var v struct {
		Product string `json:"product"`
	}
	b.call("", "Browser.getVersion", nil, &v)
	t.Logf("browser: %s (%s)", v.Product, bin)
	return b
}

// read delivers answers to their callers until the pipe closes.
func (b *browser) read(done chan struct{}) {
	defer close(done)
	br := bufio.NewReaderSize(b.in, 1<<20)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			b.dead = fmt.Errorf("cdp: browser pipe closed: %w", err)
			for id, ch := range b.pending {
				close(ch)
				delete(b.pending, id)
			}
			b.mu.Unlock()
			return
		}
		var m message
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		if m.ID == 0 {
			b.mu.Lock()
			key := m.SessionID + " " + m.Method
			if ch := b.waiting[key]; ch != nil {
				delete(b.waiting, key)
				ch <- m
			}
			b.mu.Unlock()
			continue
		}
		b.mu.Lock()
		ch := b.pending[m.ID]
		delete(b.pending, m.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

// expect registers for the next event method of session, before the
// command that causes it; the channel has room for it.
func (b *browser) expect(session, method string) chan message {
	ch := make(chan message, 1)
	b.mu.Lock()
	b.waiting[session+" "+method] = ch
	b.mu.Unlock()
	return ch
}

// await waits for the event expect registered.
func (b *browser) await(ch chan message, what string) {
	b.t.Helper()
	select {
	case <-ch:
	case <-time.After(failsafe):
		b.t.Fatalf("cdp: no %s in %v; stderr:\n%s", what, failsafe, b.stderrText())
	}
}

// call sends a command (to a page's session, or to the browser with "")
// and decodes its result into result, failing the test on an error.
func (b *browser) call(session, method string, params, result any) {
	b.t.Helper()
	require.NoError(b.t, b.try(session, method, params, result), "%s", method)
}

// try is call returning the error.
func (b *browser) try(session, method string, params, result any) error {
	ch := make(chan message, 1)
	b.mu.Lock()
	if b.dead != nil {
		err := b.dead
		b.mu.Unlock()
		return err
	}
	b.nextID++
	id := b.nextID
	b.pending[id] = ch
	b.mu.Unlock()
	raw, err := json.Marshal(message{ID: id, Method: method, Params: params, SessionID: session})
	if err != nil {
		return err
	}
	if _, err := b.out.Write(append(raw, 0)); err != nil {
		return fmt.Errorf("cdp: writing %s: %w", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return fmt.Errorf("cdp: %s: browser exited; stderr:\n%s", method, b.stderrText())
		}
		if m.Error != nil {
			return m.Error
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-time.After(failsafe + 10*time.Second): // longer than waitFor's own deadline
		return fmt.Errorf("cdp: %s: no answer in %v", method, failsafe+10*time.Second)
	}
}

// stderrText returns the last lines Chromium has written on stderr, less
// its complaints that this machine has no D-Bus.
func (b *browser) stderrText() string {
	data, _ := os.ReadFile(b.stderr.Name())
	var keep []string
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.Contains(line, "dbus") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep[max(0, len(keep)-40):], "\n")
}

// close asks the browser to exit, waits a few seconds for it, then kills
// its process group (helpers that outlive it included) and closes the
// pipes.
func (b *browser) close(readDone chan struct{}) {
	_ = b.try("", "Browser.close", nil, nil)
	exited := make(chan struct{})
	go func() {
		_ = b.cmd.Wait()
		close(exited)
	}()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
	}
	_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
	<-exited
	b.out.Close()
	b.in.Close() // ends read even if a helper that left the group holds fd 4
	<-readDone
	b.stderr.Close()
	if b.t.Failed() {
		b.t.Logf("chromium stderr:\n%s", b.stderrText())
	}
}

// page is a tab attached with its own session.
type page struct {
	b       *browser
	name    string
	session string
}

// newPage opens a tab at url and waits until its document has loaded.
func (b *browser) newPage(name, url string) *page {
	b.t.Helper()
	p := b.blankPage(name)
	p.navigate(url)
	return p
}

// blankPage opens a tab on about:blank, its Page and Runtime domains
// enabled.
func (b *browser) blankPage(name string) *page {
	b.t.Helper()
	var target struct {
		TargetID string `json:"targetId"`
	}
	b.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var att struct {
		SessionID string `json:"sessionId"`
	}
	b.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att)
	p := &page{b: b, name: name, session: att.SessionID}
	b.call(p.session, "Page.enable", nil, nil)
	b.call(p.session, "Runtime.enable", nil, nil)
	return p
}

// expect registers for the page's next event method, before the action
// that causes it (a domain such as Network must be enabled).
func (p *page) expect(method string) chan message { return p.b.expect(p.session, method) }

// await waits for an event expect registered and returns its params.
func (p *page) await(ch chan message, what string) json.RawMessage {
	p.b.t.Helper()
	select {
	case m := <-ch:
		raw, _ := json.Marshal(m.Params)
		return raw
	case <-time.After(failsafe):
		p.b.t.Fatalf("cdp: %s: no %s in %v", p.name, what, failsafe)
	}
	return nil
}

// navigate loads url and waits for its load event.
func (p *page) navigate(url string) {
	p.b.t.Helper()
	loaded := p.b.expect(p.session, "Page.loadEventFired")
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	p.b.call(p.session, "Page.navigate", map[string]any{"url": url}, &nav)
	require.Empty(p.b.t, nav.ErrorText, "navigating %s to %s", p.name, url)
	p.b.await(loaded, p.name+" load event")
}

// eval evaluates a JavaScript expression in the page, awaiting it if it is
// a promise, and decodes its value into result.
func (p *page) eval(expr string, result any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := p.b.try(p.session, "Runtime.evaluate", map[string]any{
		"expression": expr, "awaitPromise": true, "returnByValue": true,
	}, &r)
	if err != nil {
		return err
	}
	if e := r.ExceptionDetails; e != nil {
		return errors.New(p.name + ": " + e.Text + " " + e.Exception.Description)
	}
	if result != nil && len(r.Result.Value) > 0 {
		return json.Unmarshal(r.Result.Value, result)
	}
	return nil
}

// run evaluates expr, failing the test on an exception.
func (p *page) run(expr string, result any) {
	p.b.t.Helper()
	require.NoError(p.b.t, p.eval(expr, result), "evaluating %s", expr)
}

// waitFor waits until the JavaScript condition cond is truthy in the page:
// the page checks it on every change of the document (a MutationObserver),
// and gives up after failsafe.
func (p *page) waitFor(cond, what string) {
	p.b.t.Helper()
	expr := fmt.Sprintf(`new Promise((resolve, reject) => {
		const check = () => { try { return !!(%s); } catch (e) { return false; } };
		if (check()) { resolve(true); return; }
		const timer = setTimeout(() => { obs.disconnect(); reject(new Error("timed out")); }, %d);
		const obs = new MutationObserver(() => {
			if (check()) { obs.disconnect(); clearTimeout(timer); resolve(true); }
		});
		obs.observe(document, {childList: true, subtree: true, attributes: true, characterData: true});
	})`, cond, failsafe.Milliseconds())
	require.NoError(p.b.t, p.eval(expr, nil), "%s: waiting until %s (%s)", p.name, what, cond)
}

// screenshot returns a PNG of the page.
func (p *page) screenshot() []byte {
	p.b.t.Helper()
	var shot struct {
		Data string `json:"data"`
	}
	p.b.call(p.session, "Page.captureScreenshot", map[string]any{"format": "png"}, &shot)
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	require.NoError(p.b.t, err)
	return png
}
