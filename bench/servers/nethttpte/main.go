// Command nethttpte is the net/http peer of the te workloads: the six
// TechEmpower test types on the standard library, a ServeMux and
// html/template, the database called straight from the handlers (net/http
// runs each connection on a goroutine of its own), as TechEmpower's Go
// standard-library entry does. net/http sends Date itself; Server is set
// by hand, as that entry does.
//
//	TE_DSN=postgres://... nethttpte -addr 127.0.0.1:8080
package main

import (
	"context"
	"encoding/json"
	"flag"
	"html/template"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/gornado/gornado/bench/internal/payload"
	"github.com/gornado/gornado/bench/internal/te"
)

// fortunesPage is the fortunes template, escaped by html/template.
var fortunesPage = template.Must(template.New("fortunes").Parse(`<!DOCTYPE html>
<html>
<head><title>Fortunes</title></head>
<body>
<table>
<tr><th>id</th><th>message</th></tr>
{{range .}}<tr><td>{{.ID}}</td><td>{{.Message}}</td></tr>
{{end}}</table>
</body>
</html>
`))

var plaintextBody = []byte(te.Message)

// writeJSON encodes v per request and writes it.
func writeJSON(w http.ResponseWriter, v any, err error) {
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	body, _ := json.Marshal(v)
	h := w.Header()
	h["Server"] = []string{"net/http"}
	h["Content-Type"] = []string{"application/json"}
	w.Write(body)
}

// mux answers the six paths; db may be nil (no TE_DSN): the database
// paths then answer 500.
func mux(db *te.DB) *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /plaintext", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Server"] = []string{"net/http"}
		h["Content-Type"] = []string{"text/plain"}
		w.Write(plaintextBody)
	})
	m.HandleFunc("GET /json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, &struct {
			Message string `json:"message"`
		}{te.Message}, nil)
	})
	withDB := func(f http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if db == nil {
				http.Error(w, te.EnvDSN+" is not set", http.StatusInternalServerError)
				return
			}
			f(w, r)
		}
	}
	m.HandleFunc("GET /db", withDB(func(w http.ResponseWriter, r *http.Request) {
		v, err := db.World(r.Context())
		writeJSON(w, v, err)
	}))
	m.HandleFunc("GET /queries", withDB(func(w http.ResponseWriter, r *http.Request) {
		v, err := db.Worlds(r.Context(), te.Queries(r.URL.Query().Get("queries")))
		writeJSON(w, v, err)
	}))
	m.HandleFunc("GET /updates", withDB(func(w http.ResponseWriter, r *http.Request) {
		v, err := db.Update(r.Context(), te.Queries(r.URL.Query().Get("queries")))
		writeJSON(w, v, err)
	}))
	m.HandleFunc("GET /fortunes", withDB(func(w http.ResponseWriter, r *http.Request) {
		fs, err := db.Fortunes(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h["Server"] = []string{"net/http"}
		h["Content-Type"] = []string{"text/html; charset=utf-8"}
		fortunesPage.Execute(w, te.AddFortune(fs))
	}))
	return m
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	pool := flag.Int("pool", te.DefaultPool, "database connections")
	flag.Parse()
	var db *te.DB
	if dsn := os.Getenv(te.EnvDSN); dsn != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var err error
		db, err = te.Open(ctx, dsn, *pool)
		cancel()
		if err != nil {
			log.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	payload.Ready(ln.Addr().String())
	log.Fatal(http.Serve(ln, mux(db)))
}
