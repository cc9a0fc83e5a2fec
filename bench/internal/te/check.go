package te

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Tests are the six test types' names, the te workloads' names, in
// TechEmpower's order.
var Tests = []string{"json", "plaintext", "db", "queries", "fortunes", "updates"}

// NeedsDB reports whether a test reads the database.
func NeedsDB(test string) bool {
	switch test {
	case "db", "queries", "fortunes", "updates":
		return true
	}
	return false
}

// Checker asks a running server TechEmpower's questions and compares the
// answers with the rules, as TechEmpower's toolset verifies an entry
// before it benchmarks it.
type Checker struct {
	// Base is the server's URL, "http://127.0.0.1:PORT".
	Base string
	// DSN, when set, is the server's database: Check then reads back the
	// rows an update answered with, to see that they were written.
	DSN string
}

// queryCases are the queries parameters TechEmpower's verification sends
// (toolset/test_types/query/query.py) and the number of rows each must
// give: 0, a word and nothing are 1, above 500 is 500.
var queryCases = []struct {
	arg  string
	rows int
}{{"2", 2}, {"0", 1}, {"foo", 1}, {"501", 500}, {"", 1}, {"20", 20}}

// Check runs one test's questions; the error says what was wrong.
func (c *Checker) Check(test string) error {
	switch test {
	case "json":
		body, err := c.get(PathJSON, "application/json")
		if err != nil {
			return err
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			return fmt.Errorf("GET %s: %w: %q", PathJSON, err, body)
		}
		if len(m) != 1 || m["message"] != Message {
			return fmt.Errorf("GET %s: %s, want {\"message\":%q}", PathJSON, body, Message)
		}
	case "plaintext":
		body, err := c.get(PathPlaintext, "text/plain")
		if err != nil {
			return err
		}
		if string(body) != Message {
			return fmt.Errorf("GET %s: %q, want %q", PathPlaintext, body, Message)
		}
	case "db":
		body, err := c.get(PathDB, "application/json")
		if err != nil {
			return err
		}
		var w world
		if err := decodeWorld(body, &w); err != nil {
			return fmt.Errorf("GET %s: %w", PathDB, err)
		}
	case "queries", "updates":
		path := PathQueries
		if test == "updates" {
			path = PathUpdates
		}
		for _, qc := range queryCases {
			ws, err := c.worlds(path+"?queries="+qc.arg, qc.rows)
			if err != nil {
				return err
			}
			if test == "updates" && c.DSN != "" {
				if err := c.persisted(ws); err != nil {
					return fmt.Errorf("GET %s?queries=%s: %w", path, qc.arg, err)
				}
			}
		}
		// No queries parameter at all is one row too.
		if _, err := c.worlds(path, 1); err != nil {
			return err
		}
	case "fortunes":
		body, err := c.get(PathFortunes, "text/html")
		if err != nil {
			return err
		}
		if strings.Contains(string(body), "<script>") {
			return fmt.Errorf("GET %s: the <script> fortune came out unescaped", PathFortunes)
		}
		if got, want := normalizeHTML(string(body)), normalizeHTML(FortunesPage()); got != want {
			return fmt.Errorf("GET %s: the page differs from TechEmpower's:\n got %s\nwant %s", PathFortunes, got, want)
		}
	default:
		return fmt.Errorf("te: no test %q", test)
	}
	return nil
}

// world is a World row as the servers send it.
type world struct {
	ID           *int32 `json:"id"`
	RandomNumber *int32 `json:"randomNumber"`
}

// decodeWorld decodes one World object: exactly the keys id and
// randomNumber, both integers in 1..WorldRows.
func decodeWorld(b []byte, w *world) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%w: %q", err, b)
	}
	if len(m) != 2 {
		return fmt.Errorf("%s: want exactly the keys id and randomNumber", b)
	}
	if err := json.Unmarshal(b, w); err != nil {
		return fmt.Errorf("%w: %q", err, b)
	}
	if w.ID == nil || w.RandomNumber == nil {
		return fmt.Errorf("%s: want the keys id and randomNumber", b)
	}
	if *w.ID < 1 || *w.ID > WorldRows || *w.RandomNumber < 1 || *w.RandomNumber > WorldRows {
		return fmt.Errorf("%s: id and randomNumber must be in 1..%d", b, WorldRows)
	}
	return nil
}

// worlds GETs path and checks that it is an array of n World objects.
func (c *Checker) worlds(path string, n int) ([]world, error) {
	body, err := c.get(path, "application/json")
	if err != nil {
		return nil, err
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("GET %s: want a JSON array: %w", path, err)
	}
	if len(raw) != n {
		return nil, fmt.Errorf("GET %s: %d rows, want %d", path, len(raw), n)
	}
	ws := make([]world, n)
	for i, r := range raw {
		if err := decodeWorld(r, &ws[i]); err != nil {
			return nil, fmt.Errorf("GET %s: row %d: %w", path, i, err)
		}
	}
	return ws, nil
}

// persisted reads the rows back: an update's answer must be what the
// table now holds. (A server that skipped the write would match by chance
// with probability 1/10000 per row.) A row that appears twice in the
// answer may hold either number, the later write winning.
func (c *Checker) persisted(ws []world) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.DSN)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	seen := map[int32]int{}
	for _, w := range ws {
		seen[*w.ID]++
	}
	for _, w := range ws {
		if seen[*w.ID] > 1 {
			continue
		}
		var n int32
		if err := conn.QueryRow(ctx, "SELECT randomNumber FROM World WHERE id = $1", *w.ID).Scan(&n); err != nil {
			return err
		}
		if n != *w.RandomNumber {
			return fmt.Errorf("row %d: answered randomNumber %d, the table holds %d: the update was not written", *w.ID, *w.RandomNumber, n)
		}
	}
	return nil
}

// client has a deadline of its own, so that a server that hangs fails the
// check instead of stalling the run.
var client = &http.Client{Timeout: 10 * time.Second}

// get GETs path and checks what every test checks (toolset's
// verify_headers): status 200, a Server and a valid Date header, the
// Content-Type's media type; it returns the body.
func (c *Checker) get(path, mediaType string) ([]byte, error) {
	resp, err := client.Get(c.Base + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %s: %.200s", path, resp.Status, body)
	}
	if resp.Header.Get("Server") == "" {
		return nil, fmt.Errorf("GET %s: no Server header", path)
	}
	if _, err := http.ParseTime(resp.Header.Get("Date")); err != nil {
		return nil, fmt.Errorf("GET %s: Date %q: %w", path, resp.Header.Get("Date"), err)
	}
	ct := resp.Header.Get("Content-Type")
	if mt, _, _ := strings.Cut(ct, ";"); !strings.EqualFold(strings.TrimSpace(mt), mediaType) {
		return nil, fmt.Errorf("GET %s: Content-Type %q, want %s", path, ct, mediaType)
	}
	if mediaType == "text/html" && !strings.Contains(strings.ToLower(ct), "charset=utf-8") {
		return nil, fmt.Errorf("GET %s: Content-Type %q, want charset=utf-8", path, ct)
	}
	if resp.ContentLength < 0 && len(resp.TransferEncoding) == 0 {
		return nil, errors.New("GET " + path + ": neither Content-Length nor chunked")
	}
	return body, nil
}

// sameChar turns the character references the engines differ on into one
// spelling: html/template writes &#34; and &#39; (and &#43; for +),
// Tornado &quot; and &#39;. What must stay escaped, <, > and &, stays a
// reference; only its spelling is unified.
var sameChar = strings.NewReplacer(
	"&#34;", `"`, "&#x22;", `"`, "&quot;", `"`,
	"&#39;", "'", "&#x27;", "'", "&apos;", "'",
	"&#43;", "+", "&#x2b;", "+",
	"&#60;", "&lt;", "&#x3c;", "&lt;",
	"&#62;", "&gt;", "&#x3e;", "&gt;",
	"&#38;", "&amp;", "&#x26;", "&amp;",
)

// normalizeHTML forgives what TechEmpower's fortune parser forgives: the
// spelling of character references, the doctype's case, and white space
// between tags.
func normalizeHTML(s string) string {
	s = sameChar.Replace(s)
	var b strings.Builder
	for i, part := range strings.Split(s, ">") {
		if i > 0 {
			b.WriteByte('>')
		}
		if j := strings.Index(part, "<"); j >= 0 && strings.TrimSpace(part[:j]) == "" {
			part = part[j:]
		}
		b.WriteString(part)
	}
	out := strings.TrimSpace(b.String())
	if len(out) >= 15 && strings.EqualFold(out[:15], "<!doctype html>") {
		out = "<!DOCTYPE html>" + out[15:]
	}
	return out
}
