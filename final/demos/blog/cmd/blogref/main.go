// Command blogref is what bench/cmd/blogbench measures the blog's home page
// against: the same page, GET /, written the plain Go way. It serves with
// net/http, renders the blog's own template files with html/template, and
// reads the five latest entries with the same query through the same
// database/sql driver (modernc.org/sqlite or pgx), opened by blogapp.Open
// so that the pool (8 connections) and SQLite's settings are the blog's.
//
// Each request blocks its goroutine on the query, as net/http handlers do;
// the blog awaits the query on an executor and resumes its coroutine on
// its event loop. The page differs from the blog's in its headers only:
// the blog adds Tornado's Etag (a hash of the body) and its Server field.
//
//	blogref -addr 127.0.0.1:8889 -db blog.db
//	blogref -db postgres://blog@127.0.0.1:5432/blog
package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gornado/gornado/final/demos/blog/blogapp"
	"github.com/gornado/gornado/final/locale"
)

// homeQuery is blogapp's LatestEntries query, with its limit.
const homeQuery = "SELECT id, author_id, slug, title, markdown, html, published, updated " +
	"FROM entries ORDER BY published DESC, id DESC LIMIT $1"

// queryTimeout is the blog's per-query timeout (blogapp.DefaultQueryTimeout).
const queryTimeout = blogapp.DefaultQueryTimeout

// page is what the templates call handler: only its title is used.
type page struct{}

// BlogTitle is blogapp's default title.
func (page) BlogTitle() string { return "Tornado Blog" }

func main() {
	addr := flag.String("addr", "127.0.0.1:8889", "address to listen on")
	dsn := flag.String("db", "blog.db", "a SQLite file or a postgres:// URL, as the blog's -db")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("blogref: ")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	store, err := blogapp.Open(ctx, *dsn, blogapp.Options{})
	cancel()
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	h, err := homeHandler(store.DB())
	if err != nil {
		log.Fatal(err)
	}

	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	fmt.Printf("blogref listening on http://%s\n", l.Addr())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// homeHandler returns the server's handler: GET / from db, rendered with
// the blog's templates; every other path is a 404.
func homeHandler(db *sql.DB) (http.Handler, error) {
	tmpl, err := templates()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
		defer cancel()
		rows, err := db.QueryContext(ctx, homeQuery, 5)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer rows.Close()
		var entries []blogapp.Entry
		for rows.Next() {
			var e blogapp.Entry
			var html string
			if err := rows.Scan(&e.ID, &e.AuthorID, &e.Slug, &e.Title, &e.Markdown, &html, &e.Published, &e.Updated); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			e.HTML = template.HTML(html) // sanitized when saved, as the blog trusts it
			e.Published, e.Updated = e.Published.UTC(), e.Updated.UTC()
			entries = append(entries, e)
		}
		if err := rows.Err(); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if len(entries) == 0 {
			http.Redirect(w, r, "/compose", http.StatusFound)
			return
		}
		var body bytes.Buffer
		if err := tmpl.ExecuteTemplate(&body, "home.html", entries); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.Write(body.Bytes())
	})
	return mux, nil
}

// templates parses base.html, the Entry module and home.html under the
// names final/web gives them, with stand-ins for final/web's template
// functions that give the same output for a visitor who is not logged in,
// on the only page served, "/".
func templates() (*template.Template, error) {
	files := blogapp.Files()
	css, err := fs.ReadFile(files, "static/blog.css")
	if err != nil {
		return nil, err
	}
	sum := md5.Sum(css)
	cssURL := "/static/blog.css?v=" + hex.EncodeToString(sum[:]) // final/web's static_url
	en := locale.Get("en_US")
	var t *template.Template
	t = template.New("").Funcs(template.FuncMap{
		"handler":      func() page { return page{} },
		"request":      func() struct{ Path string } { return struct{ Path string }{"/"} },
		"current_user": func() any { return nil },
		"static_url": func(p string) string {
			if p == "blog.css" {
				return cssURL
			}
			return "/static/" + p
		},
		"locale": func() *locale.Locale { return en },
		"_":      func(message string) string { return en.Translate(message, "", 0) },
		"module": func(name string, arg ...any) (template.HTML, error) {
			var b strings.Builder
			err := t.ExecuteTemplate(&b, "modules/"+strings.ToLower(name)+".html", arg[0])
			return template.HTML(b.String()), err
		},
	})
	for _, name := range []string{"base.html", "modules/entry.html", "home.html"} {
		src, err := fs.ReadFile(files, "templates/"+name)
		if err != nil {
			return nil, err
		}
		if _, err := t.New(name).Parse(string(src)); err != nil {
			return nil, err
		}
	}
	return t, nil
}
