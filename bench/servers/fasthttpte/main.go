// Command fasthttpte is the fasthttp peer of the te workloads: the six
// TechEmpower test types on valyala/fasthttp, written as TechEmpower's
// fasthttp entry (frameworks/Go/fasthttp) writes them: a switch on the
// path, the database called straight from the handler (fasthttp runs each
// connection on a goroutine of its own, so a blocking pgx call blocks only
// that connection), the updates batched in id order, and fortunes rendered
// by quicktemplate (templates/fortunes.qtpl, compiled to Go by qtc), whose
// string tag escapes each message.
//
// With -template html it renders fortunes through html/template instead,
// as final and net/http do: the peer fasthttp-htmltpl, which sets the
// template engines side by side on the same server. Both escape in the
// template engine, as TechEmpower's rules ask.
//
//	TE_DSN=postgres://... fasthttpte -addr 127.0.0.1:8080 [-template qtpl|html]
package main

// After editing templates/fortunes.qtpl, regenerate its Go file and commit
// both.
//go:generate go run github.com/valyala/quicktemplate/qtc -dir=templates

import (
	"context"
	"encoding/json"
	"flag"
	"html/template"
	"log"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/gornado/gornado/bench/internal/payload"
	"github.com/gornado/gornado/bench/internal/te"
	"github.com/gornado/gornado/bench/servers/fasthttpte/templates"
)

// fortunesPage is the fortunes template of -template html, escaped by
// html/template: the same markup as templates/fortunes.qtpl.
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

// The template engines of -template.
const (
	engineQuick = "qtpl" // quicktemplate, as TechEmpower's entry
	engineHTML  = "html" // html/template, as final and net/http
)

// handler answers the six paths, rendering fortunes with engine (engineQuick
// or engineHTML); db may be nil (no TE_DSN): the database paths then answer
// 500.
func handler(db *te.DB, engine string) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		path := string(ctx.Path())
		if db == nil && path != te.PathJSON && path != te.PathPlaintext {
			ctx.Error(te.EnvDSN+" is not set", fasthttp.StatusInternalServerError)
			return
		}
		var v any
		var err error
		switch path {
		case te.PathPlaintext:
			ctx.SetContentType("text/plain")
			ctx.Response.SetBodyRaw(plaintextBody)
			return
		case te.PathJSON:
			v = &struct {
				Message string `json:"message"`
			}{te.Message}
		case te.PathDB:
			v, err = db.World(context.Background())
		case te.PathQueries:
			v, err = db.Worlds(context.Background(), te.Queries(string(ctx.QueryArgs().Peek("queries"))))
		case te.PathUpdates:
			v, err = db.Update(context.Background(), te.Queries(string(ctx.QueryArgs().Peek("queries"))))
		case te.PathFortunes:
			var fs []te.Fortune
			if fs, err = db.Fortunes(context.Background()); err == nil {
				ctx.SetContentType("text/html; charset=utf-8")
				if engine == engineHTML {
					err = fortunesPage.Execute(ctx, te.AddFortune(fs))
				} else {
					templates.WriteFortunePage(ctx, te.AddFortune(fs))
				}
			}
			if err != nil {
				ctx.Error(err.Error(), fasthttp.StatusInternalServerError)
			}
			return
		default:
			ctx.Error("not found", fasthttp.StatusNotFound)
			return
		}
		if err != nil {
			ctx.Error(err.Error(), fasthttp.StatusInternalServerError)
			return
		}
		body, _ := json.Marshal(v)
		ctx.SetContentType("application/json")
		ctx.Response.SetBody(body)
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	pool := flag.Int("pool", te.DefaultPool, "database connections")
	engine := flag.String("template", engineQuick, "fortunes' template engine: qtpl (quicktemplate, TechEmpower's entry) or html (html/template)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file (pprof) until SIGTERM, for explaining a figure")
	flag.Parse()
	if *engine != engineQuick && *engine != engineHTML {
		log.Fatalf("-template %q: want %s or %s", *engine, engineQuick, engineHTML)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			log.Fatal(err)
		}
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
		go func() {
			<-sigs
			pprof.StopCPUProfile()
			f.Close()
			os.Exit(0)
		}()
	}
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
	ln, err := net.Listen("tcp4", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: handler(db, *engine), Name: "fasthttp"}
	payload.Ready(ln.Addr().String())
	log.Fatal(srv.Serve(ln))
}
