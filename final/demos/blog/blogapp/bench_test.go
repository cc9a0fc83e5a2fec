// Benchmarks of the blog's pages on each engine, client and server in one
// process over loopback: for comparing engines and changes, not servers
// (bench/ is for that).

package blogapp

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
)

// benchPage serves path to 16 keep-alive clients at once, b.N requests in
// all, each checked to be a 200.
func benchPage(b *testing.B, dsn, path string) {
	// The access log stays out of the benchmark's output (webtest would
	// write each line there).
	blog := startBlog(b, dsn, Options{}, func(c *Config) { c.Logger = slog.New(slog.DiscardHandler) })
	ann := newBrowser(b, blog.url)
	ann.signUp("ann@example.com", "s3cret")
	for _, title := range []string{"One", "Two", "Three", "Four", "Five"} {
		ann.compose("", title, "Some *text* for entry "+title+".")
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	url := blog.url + path
	b.SetParallelism(8) // 8 x GOMAXPROCS goroutines: 16 on 2 cores
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("%s: %d", path, resp.StatusCode)
				return
			}
		}
	})
}

func BenchmarkEntryPage(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchPage(b, sqliteDSN(b), "/entry/three") })
	b.Run("postgres", func(b *testing.B) { benchPage(b, postgresDSN(b), "/entry/three") })
}

func BenchmarkHomePage(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchPage(b, sqliteDSN(b), "/") })
	b.Run("postgres", func(b *testing.B) { benchPage(b, postgresDSN(b), "/") })
}
