package te_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/bench/internal/te"
	"github.com/gornado/gornado/bench/internal/te/tetest"
)

// TechEmpower's rule for the queries parameter (test types 3 and 5).
func TestQueries(t *testing.T) {
	for in, want := range map[string]int{
		"": 1, "foo": 1, "0": 1, "-5": 1, "1": 1, "2": 2, "20": 20, " 7 ": 7,
		"500": 500, "501": 500, "100000": 500, "1.5": 1, "99999999999999999999": 1,
	} {
		assert.Equal(t, want, te.Queries(in), "queries=%q", in)
	}
}

// The page every server must send: the script escaped, the extra row
// in, sorted by message.
func TestFortunesPage(t *testing.T) {
	p := te.FortunesPage()
	assert.NotContains(t, p, "<script>")
	assert.Contains(t, p, "<tr><td>11</td><td>&lt;script&gt;alert(&quot;This should not be displayed in a browser alert box.&quot;);&lt;/script&gt;</td></tr>")
	assert.Contains(t, p, "<tr><td>0</td><td>Additional fortune added at request time.</td></tr>")
	// Sorted by message: "<script>" (11) before "A bad random" (4),
	// and the Japanese row (12) last.
	assert.Less(t, strings.Index(p, "<td>11</td>"), strings.Index(p, "<td>4</td>"))
	assert.Greater(t, strings.Index(p, "<td>12</td>"), strings.Index(p, "<td>1</td>"))
	assert.True(t, strings.HasSuffix(p, "<tr><td>12</td><td>フレームワークのベンチマーク</td></tr></table></body></html>"))
}

// fake is a server that answers every test right, unless told which
// mistake to make: the checker must catch each one.
func fake(mistake string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mistake != "no Server" {
			w.Header().Set("Server", "fake")
		}
		if mistake == "bad Date" {
			w.Header().Set("Date", "yesterday")
		}
		worlds := func(n int) {
			ws := make([]te.World, n)
			for i := range ws {
				ws[i] = te.World{ID: int32(i + 1), RandomNumber: 42}
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(ws)
		}
		switch r.URL.Path {
		case te.PathJSON:
			w.Header().Set("Content-Type", "application/json")
			if mistake == "json shape" {
				fmt.Fprint(w, `{"message":"Hello, World!","extra":1}`)
				return
			}
			fmt.Fprint(w, `{"message":"Hello, World!"}`)
		case te.PathPlaintext:
			if mistake == "plaintext type" {
				w.Header().Set("Content-Type", "text/html")
			} else {
				w.Header().Set("Content-Type", "text/plain")
			}
			fmt.Fprint(w, te.Message)
		case te.PathDB:
			w.Header().Set("Content-Type", "application/json")
			if mistake == "db range" {
				fmt.Fprint(w, `{"id":0,"randomNumber":5}`)
				return
			}
			fmt.Fprint(w, `{"id":5,"randomNumber":5}`)
		case te.PathQueries, te.PathUpdates:
			n := te.Queries(r.URL.Query().Get("queries"))
			if mistake == "no clamp" && n == 500 {
				n = 501
			}
			worlds(n)
		case te.PathFortunes:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			p := te.FortunesPage()
			switch mistake {
			case "unescaped":
				p = strings.Replace(p, "&lt;script&gt;", "<script>", 1)
			case "extra id":
				p = strings.Replace(p, "<tr><td>0</td>", "<tr><td>13</td>", 1)
			case "html engine spelling":
				// html/template's spelling of the same characters, and
				// white space between tags: must pass.
				p = strings.ReplaceAll(p, "&quot;", "&#34;")
				p = strings.ReplaceAll(p, "<tr>", "\n  <tr>")
			}
			fmt.Fprint(w, p)
		}
	})
}

// Each mistake fails the test it belongs to; the right answers and an
// engine's own spelling of the references pass.
func TestCheckerCatches(t *testing.T) {
	for _, c := range []struct{ mistake, test string }{
		{"no Server", "json"}, {"bad Date", "plaintext"}, {"json shape", "json"},
		{"plaintext type", "plaintext"}, {"db range", "db"}, {"no clamp", "queries"},
		{"no clamp", "updates"}, {"unescaped", "fortunes"}, {"extra id", "fortunes"},
	} {
		t.Run(c.mistake+"/"+c.test, func(t *testing.T) {
			s := httptest.NewServer(fake(c.mistake))
			defer s.Close()
			assert.Error(t, (&te.Checker{Base: s.URL}).Check(c.test))
		})
	}
	for _, mistake := range []string{"", "html engine spelling"} {
		s := httptest.NewServer(fake(mistake))
		for _, test := range te.Tests {
			assert.NoError(t, (&te.Checker{Base: s.URL}).Check(test), "%q %s", mistake, test)
		}
		s.Close()
	}
}

// The loaded database is TechEmpower's: 10,000 World rows with numbers in
// 1..10000, the twelve fortunes as written. And an updates answer that
// was not written is caught.
func TestSchema(t *testing.T) {
	dsn := tetest.Postgres(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var n, lo, hi, minID, maxID int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*), min(randomNumber), max(randomNumber), min(id), max(id) FROM World").Scan(&n, &lo, &hi, &minID, &maxID))
	assert.Equal(t, []int{10000, 1, 10000}, []int{n, minID, maxID})
	assert.GreaterOrEqual(t, lo, 1)
	assert.LessOrEqual(t, hi, 10000)
	rows, _ := conn.Query(ctx, "SELECT id, message FROM Fortune ORDER BY id")
	fs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[te.Fortune])
	require.NoError(t, err)
	assert.Equal(t, te.Fortunes, fs)

	// A server that answers updates without writing them.
	s := httptest.NewServer(fake(""))
	defer s.Close()
	_, err = conn.Exec(ctx, "UPDATE World SET randomNumber = 7 WHERE id <= 500")
	require.NoError(t, err)
	assert.ErrorContains(t, (&te.Checker{Base: s.URL, DSN: dsn}).Check("updates"), "not written")
	_, err = conn.Exec(ctx, "UPDATE World SET randomNumber = 42 WHERE id <= 500")
	require.NoError(t, err)
	assert.NoError(t, (&te.Checker{Base: s.URL, DSN: dsn}).Check("updates"))
}
