// The chat demo in headless Chromium: two pages, a message typed into one
// appears in the other, over long polling and over WebSocket, and a
// screenshot of each is saved.

package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/peers/internal/peertest"
)

// chatDemo says where a chat demo is and what its page looks like.
type chatDemo struct {
	// name appears in subtests and artifact names.
	name string
	// pkg is the command's package, relative to the repository root.
	pkg string
	// input, form and inbox are CSS selectors of the message field, its
	// form, and the element messages are appended to.
	input, form, inbox string
	// wsQuery is added to the page's address to use a WebSocket.
	wsQuery string
	// pollPath is the long-polling request's path.
	pollPath string
}

// The demos: final's (Tornado's demos/chat and demos/websocket in one), and
// stage 6's teaching version, which the same test drives.
var (
	finalChat = chatDemo{name: "final", pkg: "./final/demos/chat",
		input: "#message", form: "#messageform", inbox: "#inbox", wsQuery: "?ws", pollPath: "/a/message/updates"}
	stage6Chat = chatDemo{name: "stage6", pkg: "./stage6-web/cmd/chat",
		input: "#body", form: "#form", inbox: "#inbox", wsQuery: "?ws", pollPath: "/a/message/updates"}
)

// repoRoot is the repository's root, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	return root
}

// buildDemo builds the demo's command (with the race detector when the
// test has it) into the test's temporary directory.
func buildDemo(t *testing.T, d chatDemo) string {
	t.Helper()
	root := repoRoot(t)
	bin := filepath.Join(t.TempDir(), "chat")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append(args, d.pkg)...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build %s:\n%s", d.pkg, out)
	return bin
}

var urlPattern = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)

// startDemo runs the demo on 127.0.0.1:0 and returns its base URL, read
// from the line it prints once it listens.
func startDemo(t *testing.T, d chatDemo) string {
	t.Helper()
	p := peertest.Start(t, buildDemo(t, d), "-addr", "127.0.0.1:0")
	for {
		line := p.Next(t)
		if u := urlPattern.FindString(line); u != "" {
			return u
		}
	}
}

// js quotes s as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// typeMessage types text into the page's message field and presses Enter,
// as a person would: the form's own submit handling sends it.
func (p *page) typeMessage(d chatDemo, text string) {
	p.b.t.Helper()
	p.b.call(p.session, "Page.bringToFront", nil, nil)
	p.run(fmt.Sprintf(`document.querySelector(%s).focus()`, js(d.input)), nil)
	p.b.call(p.session, "Input.insertText", map[string]any{"text": text}, nil)
	for _, typ := range []string{"keyDown", "keyUp"} {
		key := map[string]any{"type": typ, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
		if typ == "keyDown" {
			key["text"] = "\r"
		}
		p.b.call(p.session, "Input.dispatchKeyEvent", key, nil)
	}
}

// waitMessage waits until a message with exactly this text is in the
// page's inbox.
func (p *page) waitMessage(d chatDemo, text string) {
	p.b.t.Helper()
	p.waitFor(fmt.Sprintf(`[...document.querySelector(%s).querySelectorAll("*")].some((e) => e.textContent.trim() === %s)`,
		js(d.inbox), js(text)), "the message "+js(text)+" arrived")
}

func TestChatFinal(t *testing.T)  { testChat(t, finalChat) }
func TestChatStage6(t *testing.T) { testChat(t, stage6Chat) }

func testChat(t *testing.T, d chatDemo) {
	base := startDemo(t, d)
	b := startBrowser(t)
	for _, mode := range []struct {
		name  string
		query string
	}{{"longpoll", ""}, {"websocket", d.wsQuery}} {
		t.Run(mode.name, func(t *testing.T) {
			// The browser is the parent test's; its checks fail this one.
			parent := b.t
			b.t = t
			defer func() { b.t = parent }()
			ws := mode.query != ""
			var pages []*page
			for _, name := range []string{"alice", "bob"} {
				p := b.blankPage(name)
				b.call(p.session, "Network.enable", nil, nil)
				created := p.expect("Network.webSocketCreated")
				p.navigate(base + "/" + mode.query)
				if ws {
					var ev struct {
						URL string `json:"url"`
					}
					require.NoError(t, json.Unmarshal(p.await(created, "WebSocket"), &ev))
					assert.True(t, strings.HasPrefix(ev.URL, "ws://127.0.0.1:"), "%s's page opened %s", name, ev.URL)
				}
				pages = append(pages, p)
			}
			alice, bob := pages[0], pages[1]

			// Markup and non-ASCII in a message are shown as text.
			hello := fmt.Sprintf("hello from alice over %s <b>not bold</b> & \u2603", mode.name)
			alice.typeMessage(d, hello)
			bob.waitMessage(d, hello)
			alice.waitMessage(d, hello)
			var bold bool
			bob.run(fmt.Sprintf(`document.querySelector(%s).querySelector("b") !== null`, js(d.inbox)), &bold)
			assert.False(t, bold, "a message's markup is not interpreted")

			reply := "bob answers over " + mode.name
			bob.typeMessage(d, reply)
			alice.waitMessage(d, reply)
			bob.waitMessage(d, reply)

			if !ws {
				var polled bool
				bob.run(fmt.Sprintf(`performance.getEntriesByType("resource").some((e) => new URL(e.name).pathname === %s)`, js(d.pollPath)), &polled)
				assert.True(t, polled, "bob's page long-polled %s", d.pollPath)
			}
			png := bob.screenshot()
			require.True(t, strings.HasPrefix(string(png), string(pngMagic)))
			saveArtifact(t, "chat-"+d.name+"-"+mode.name+".png", png)
		})
	}
}
