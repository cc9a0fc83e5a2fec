// Package uploadapp is the file_upload demo's program, importable so that
// the testscripts run it in-process: Tornado's demos/file_upload receiver
// with @stream_request_body, on final/web's StreamingHandler.
//
// POST /upload takes multipart/form-data and parses it while it arrives:
// each piece of the body goes from the loop to a goroutine running
// mime/multipart over a channel, and the handler answers, from a
// coroutine, once the goroutine has read the last part. The files are
// counted and hashed (or saved under -dir), never held whole. PUT /<name>
// counts the bytes of a raw body, as Tornado's PUTHandler.
package uploadapp

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/gornado/gornado/final/demos/internal/demo"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/web"
)

// page is the upload form.
//
//go:embed index.html
var page []byte

// Part is one part of an upload as the receiver saw it.
type Part struct {
	// Field is the form field's name; Filename the file's, "" for a
	// plain field.
	Field    string
	Filename string
	// ContentType is the part's type.
	ContentType string
	// Size is its length in bytes; SHA256 its hash in hex.
	Size   int64
	SHA256 string
	// Value is a plain field's value (the first 1 KiB).
	Value string
}

// chanReader reads the chunks the loop sends.
type chanReader struct {
	// ch brings the chunks; cur is what is left of the current one.
	ch  <-chan []byte
	cur []byte
}

func (r *chanReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		b, ok := <-r.ch
		if !ok {
			return 0, io.EOF
		}
		r.cur = b
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// receive parses a multipart body from r, saving files under dir if set.
func receive(r io.Reader, boundary, dir string) ([]Part, error) {
	mr := multipart.NewReader(r, boundary)
	var parts []Part
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return parts, nil
		}
		if err != nil {
			return parts, err
		}
		out := Part{Field: p.FormName(), Filename: p.FileName(), ContentType: p.Header.Get("Content-Type")}
		h := sha256.New()
		var w io.Writer = h
		var value strings.Builder
		if out.Filename == "" {
			w = io.MultiWriter(h, &limitWriter{&value, 1024})
		} else if dir != "" {
			f, err := os.Create(filepath.Join(dir, filepath.Base(filepath.Clean("/"+out.Filename))))
			if err != nil {
				return parts, err
			}
			defer f.Close()
			w = io.MultiWriter(h, f)
		}
		n, err := io.Copy(w, p)
		if err != nil {
			return parts, err
		}
		out.Size, out.SHA256, out.Value = n, hex.EncodeToString(h.Sum(nil)), value.String()
		parts = append(parts, out)
	}
}

// limitWriter keeps the first n bytes.
type limitWriter struct {
	// w keeps at most n bytes.
	w *strings.Builder
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if k := min(l.n-l.w.Len(), len(p)); k > 0 {
		l.w.Write(p[:k])
	}
	return len(p), nil
}

// uploadHandler streams a multipart body to a parsing goroutine.
type uploadHandler struct {
	web.RequestHandler
	// Dir, if set, is where files are saved.
	Dir string
	// ch carries the body to the parser; result is its answer.
	ch     chan []byte
	result *concurrent.Future[[]Part]
}

// Prepare starts the parser once the head has arrived.
func (h *uploadHandler) Prepare() error {
	if h.Request.Method != "POST" {
		return nil
	}
	mt, params, err := mime.ParseMediaType(h.Request.Headers.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return &web.HTTPError{Code: 400, LogMessage: "not multipart/form-data"}
	}
	h.ch = make(chan []byte, 64)
	h.result = concurrent.NewFuture[[]Part]()
	loop, ch, fut, dir := h.Loop(), h.ch, h.result, h.Dir
	go func() {
		parts, err := receive(&chanReader{ch: ch}, params["boundary"], dir)
		for range ch { // drain what a failed parse left
		}
		loop.AddCallback(func() { fut.Set(parts, err) })
	}()
	return nil
}

// DataReceived hands a copy of each piece to the parser.
func (h *uploadHandler) DataReceived(chunk []byte) error {
	if h.ch != nil {
		h.ch <- append([]byte(nil), chunk...)
	}
	return nil
}

// OnConnectionClose ends the parser of an upload cut short.
func (h *uploadHandler) OnConnectionClose() {
	if h.ch != nil {
		close(h.ch)
		h.ch = nil
	}
}

// Post answers once the parser is done.
func (h *uploadHandler) Post(...string) error {
	close(h.ch)
	h.ch = nil
	return h.Go(func(c *gen.Co) error {
		parts, err := gen.Await(c, h.result)
		if err != nil {
			return &web.HTTPError{Code: 400, LogMessage: err.Error()}
		}
		h.SetHeader("Content-Type", "text/plain; charset=utf-8")
		for _, p := range parts {
			if p.Filename == "" {
				h.WriteString(fmt.Sprintf("field %s = %q\n", p.Field, p.Value))
				continue
			}
			h.WriteString(fmt.Sprintf("file %s (%s, field %s): %d bytes, sha256 %s\n", p.Filename, p.ContentType, p.Field, p.Size, p.SHA256))
		}
		return nil
	})
}

// putHandler counts the bytes of a raw body (Tornado's PUTHandler).
type putHandler struct {
	web.RequestHandler
	n int64
}

func (h *putHandler) DataReceived(chunk []byte) error {
	h.n += int64(len(chunk))
	return nil
}

func (h *putHandler) Put(args ...string) error {
	h.SetHeader("Content-Type", "text/plain; charset=utf-8")
	return h.WriteString(fmt.Sprintf("PUT %s %d bytes\n", args[0], h.n))
}

// indexHandler serves the form.
type indexHandler struct{ web.RequestHandler }

func (h *indexHandler) Get(...string) error { return h.WriteBytes(page) }

// App returns the demo's application; dir, if set, receives the files.
func App(dir string) *web.Application {
	return web.NewApplication([]*web.URLSpec{
		web.URL("/", &indexHandler{}),
		web.URL("/upload", &uploadHandler{Dir: dir}),
		web.URL("/files/(.+)", &putHandler{}),
	}, web.Settings{})
}

// Server is a running demo.
type Server struct {
	// URL is where it listens, "http://host:port".
	URL string
	// HTTP is the server.
	HTTP *httpserver.HTTPServer
}

// Start serves the demo on addr, on a loop per core.
func Start(addr, dir string) (*Server, error) {
	s := httpserver.NewWithDelegate(App(dir))
	s.MaxBodySize = 1 << 30 // uploads stream: allow 1 GiB
	url, err := demo.Listen(s, addr)
	if err != nil {
		return nil, err
	}
	return &Server{URL: url, HTTP: s}, nil
}

// Main runs the demo with args (without the program name) and returns the
// exit code:
//
//	file_upload [-addr 127.0.0.1:8888] [-addrfile FILE] [-dir DIR]
func Main(args []string, stdout, stderr io.Writer) int {
	p := demo.New("file_upload", stderr)
	dir := p.Flags.String("dir", "", "save uploaded files in this directory (default: count and hash only)")
	return p.Run(args, stdout, func() (string, func() error, error) {
		s, err := Start(p.Addr(), *dir)
		if err != nil {
			return "", nil, err
		}
		return s.URL, demo.Stop(s.HTTP, 5*time.Second), nil
	})
}
