package testutil

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// Generated is a part of a docs page that a test writes: the text between
// two marker lines.
type Generated struct {
	// Begin and End are the marker lines around the part.
	Begin, End string
	// Text is what belongs between them.
	Text string
}

// CheckGenerated checks the generated parts of the page at path, or with
// update rewrites them, so that tables generated from a test's own table
// (the hostile-input pages) cannot drift from it. fix is the command that
// rewrites them, for the failure message.
func CheckGenerated(t testing.TB, path string, update bool, fix string, parts ...Generated) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	doc := string(raw)
	for _, p := range parts {
		i, j := strings.Index(doc, p.Begin), strings.Index(doc, p.End)
		if i < 0 || j <= i {
			t.Fatalf("the markers of a generated table are missing in %s", path)
		}
		if update {
			doc = doc[:i+len(p.Begin)] + p.Text + doc[j:]
			continue
		}
		if got := doc[i+len(p.Begin) : j]; got != p.Text {
			t.Errorf("%s is out of date: run %s", path, fix)
		}
	}
	if update {
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatalf("write %s: %v", path, err)
		}
	}
}

// QuoteBytes quotes s like %q but byte by byte: anything outside printable
// ASCII is shown as an escape, so that a doc shows exactly the bytes a test
// sends.
func QuoteBytes(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
