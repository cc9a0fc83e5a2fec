// Package uploadapp is the file_upload demo's program, importable so that
// the testscripts run it in-process: Tornado's demos/file_upload receiver
// with @stream_request_body, on final/web's StreamingHandler.
//
// POST /upload takes multipart/form-data and parses it while it arrives:
// each piece of the body is copied and handed to a goroutine running
// mime/multipart, and the connection reads the next piece only once the
// parser has used this one up, its bytes written (DataReceived makes the
// body wait for that: back-pressure). The loop never waits for the parser
// or the disk, and an upload holds about one piece in memory, however
// slow its disk. The files are counted and hashed (or saved under -dir),
// never held whole. PUT /files/<name> counts the bytes of a raw body, as
// Tornado's PUTHandler, and with -dir saves it: each piece is written by
// the disk executor (Tornado's run_on_executor), the read waiting for the
// write.
package uploadapp

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/demos/internal/demo"
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

// Options configure the demo's application.
type Options struct {
	// Dir, if set, is where uploaded files are saved; without it they are
	// only counted and hashed.
	Dir string
	// Create opens the file an upload is saved in, given its path inside
	// Dir (nil: os.Create). It runs on the disk executor or on a parser's
	// goroutine, never on the loop, as do the writes to what it returns:
	// a test puts a slow disk here.
	Create func(path string) (io.WriteCloser, error)
	// Disk runs the file operations of PUT bodies (nil: a LimitExecutor of
	// DiskWorkers). Bounded, so that a burst of uploads does not turn into
	// as many goroutines queued on one disk.
	Disk concurrent.Executor
}

// DiskWorkers is how many file operations the default disk executor runs
// at once: a few keep a disk busy; more only queue in the kernel.
const DiskWorkers = 4

// create opens a file as o says.
func (o *Options) create(path string) (io.WriteCloser, error) {
	if o.Create != nil {
		return o.Create(path)
	}
	return os.Create(path)
}

// savePath returns where a file the client names name is saved: inside
// Dir whatever name says ("../x" is saved as x).
func (o *Options) savePath(name string) string {
	return filepath.Join(o.Dir, filepath.Base(filepath.Clean("/"+name)))
}

// piece is a copy of a piece of body on its way to the parser, with the
// Future the body waits on until the parser has used it up.
type piece struct {
	b    []byte
	used *concurrent.Future[struct{}]
}

// feed takes a body's pieces from the loop to its parser's goroutine, one
// at a time. The parser tells the loop when it has used a piece up, and
// only then does the handler let the connection read the next one: so
// the loop never waits for the parser (a blocking send would stall every
// connection on the loop behind a slow disk), and the parser never has
// more than one piece waiting for it.
type feed struct {
	// loop resolves the pieces' Futures.
	loop concurrent.Scheduler
	// ch brings the pieces; its one slot is always free when the loop
	// pushes, as the piece before has been taken (see push).
	ch chan piece
	// cur is what the parser has left of the piece it holds, used that
	// piece's Future; the parser's goroutine alone touches them.
	cur  []byte
	used *concurrent.Future[struct{}]
}

func newFeed(loop concurrent.Scheduler) *feed {
	return &feed{loop: loop, ch: make(chan piece, 1)}
}

// errFeedBusy would mean a piece pushed before the parser took the one
// before: the handler's wait makes it impossible.
var errFeedBusy = errors.New("uploadapp: a piece pushed before the parser took the last")

// push hands b, which the caller gives up, to the parser and returns the
// Future resolved on the loop once the parser has used it up. Call it on
// the loop, only after the Future of the piece before has resolved.
func (f *feed) push(b []byte) *concurrent.Future[struct{}] {
	used := concurrent.NewFuture[struct{}]()
	select {
	case f.ch <- piece{b: b, used: used}:
	default:
		used.SetException(errFeedBusy)
	}
	return used
}

// end tells the parser that the body is over (or cut short). Call it on
// the loop, once.
func (f *feed) end() { close(f.ch) }

// Read is the parser's side: the pieces in order, then io.EOF.
func (f *feed) Read(p []byte) (int, error) {
	for len(f.cur) == 0 {
		f.release()
		pc, ok := <-f.ch
		if !ok {
			return 0, io.EOF
		}
		f.cur, f.used = pc.b, pc.used
	}
	n := copy(p, f.cur)
	f.cur = f.cur[n:]
	return n, nil
}

// release tells the loop that the parser has used up its piece.
func (f *feed) release() {
	if used := f.used; used != nil {
		f.used = nil
		f.loop.AddCallback(func() { used.SetResult(struct{}{}) })
	}
}

// drain releases what a parser that stopped early (a malformed body)
// left, so that no wait of the loop's stays pending, until end.
func (f *feed) drain() {
	f.cur = nil
	f.release()
	for pc := range f.ch {
		f.used = pc.used
		f.release()
	}
}

// receive parses a multipart body from r, saving files as o says if
// o.Dir is set.
func receive(r io.Reader, boundary string, o *Options) ([]Part, error) {
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
		} else if o.Dir != "" {
			f, err := o.create(o.savePath(out.Filename))
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
	// opts are the application's options.
	opts *Options
	// feed carries the body to the parser; result is its answer.
	feed   *feed
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
	h.feed = newFeed(h.Loop())
	h.result = concurrent.NewFuture[[]Part]()
	loop, fd, fut, o := h.Loop(), h.feed, h.result, h.opts
	go func() {
		parts, err := receive(fd, params["boundary"], o)
		fd.drain()
		loop.AddCallback(func() { fut.Set(parts, err) })
	}()
	return nil
}

// DataReceived hands a copy of each piece to the parser (the piece is
// valid only during the call) and makes the body wait until the parser has
// used it up.
func (h *uploadHandler) DataReceived(chunk []byte) error {
	if h.feed != nil {
		h.Wait(h.feed.push(bytes.Clone(chunk)))
	}
	return nil
}

// OnConnectionClose ends the parser of an upload cut short.
func (h *uploadHandler) OnConnectionClose() {
	if h.feed != nil {
		h.feed.end()
		h.feed = nil
	}
}

// Post answers once the parser is done.
func (h *uploadHandler) Post(...string) error {
	h.feed.end()
	h.feed = nil
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

// diskFile is a PUT body's file, opened at its first write. Its methods
// run on the disk executor: for one upload one at a time, since each
// write waits for the one before, and its lock orders the close that an
// upload cut short sends after the write in progress.
type diskFile struct {
	// mu orders the operations; path and opts say what to open.
	mu   sync.Mutex
	path string
	opts *Options
	// w is the open file, nil before the first write and after close.
	w io.WriteCloser
}

// write appends p to the file, opening it first.
func (f *diskFile) write(p []byte) (struct{}, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.w == nil {
		w, err := f.opts.create(f.path)
		if err != nil {
			return struct{}{}, err
		}
		f.w = w
	}
	_, err := f.w.Write(p)
	return struct{}{}, err
}

// close closes the file; complete says the upload is, and creates the
// file of an empty body.
func (f *diskFile) close(complete bool) (struct{}, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.w == nil {
		if !complete {
			return struct{}{}, nil
		}
		w, err := f.opts.create(f.path)
		if err != nil {
			return struct{}{}, err
		}
		f.w = w
	}
	err := f.w.Close()
	f.w = nil
	return struct{}{}, err
}

// putHandler counts the bytes of a raw body (Tornado's PUTHandler) and,
// with a Dir, writes them to a file of that name on the disk executor.
type putHandler struct {
	web.RequestHandler
	// opts are the application's options; disk runs the file operations.
	opts *Options
	disk concurrent.Executor
	// n counts the body; file is where it goes (nil: nowhere).
	n    int64
	file *diskFile
}

func (h *putHandler) Prepare() error {
	if h.Request.Method == "PUT" && h.opts.Dir != "" {
		h.file = &diskFile{path: h.opts.savePath(h.PathArgs()[0]), opts: h.opts}
	}
	return nil
}

// DataReceived writes a copy of each piece on the disk executor and makes
// the body wait for the write: the loop goes on with other connections,
// and the client is held back to the disk's pace.
func (h *putHandler) DataReceived(chunk []byte) error {
	h.n += int64(len(chunk))
	if h.file != nil {
		p, f := bytes.Clone(chunk), h.file
		h.Wait(concurrent.RunOnExecutor(h.Loop(), h.disk, func() (struct{}, error) { return f.write(p) }))
	}
	return nil
}

// OnConnectionClose closes the file of an upload cut short, after the
// write in progress; what arrived stays on disk.
func (h *putHandler) OnConnectionClose() {
	if f := h.file; f != nil {
		h.file = nil
		h.disk.Submit(func() { f.close(false) })
	}
}

func (h *putHandler) Put(args ...string) error {
	h.SetHeader("Content-Type", "text/plain; charset=utf-8")
	answer := fmt.Sprintf("PUT %s %d bytes\n", args[0], h.n)
	f := h.file
	if f == nil {
		return h.WriteString(answer)
	}
	h.file = nil
	return h.Go(func(c *gen.Co) error {
		if _, err := gen.Await(c, concurrent.RunOnExecutor(h.Loop(), h.disk, func() (struct{}, error) { return f.close(true) })); err != nil {
			return err
		}
		return h.WriteString(answer)
	})
}

// indexHandler serves the form.
type indexHandler struct{ web.RequestHandler }

func (h *indexHandler) Get(...string) error { return h.WriteBytes(page) }

// App returns the demo's application; dir, if set, receives the files.
func App(dir string) *web.Application { return NewApp(Options{Dir: dir}) }

// NewApp returns the demo's application with options o.
func NewApp(o Options) *web.Application {
	if o.Disk == nil {
		o.Disk = concurrent.NewLimitExecutor(DiskWorkers)
	}
	opts := &o
	return web.NewApplication([]*web.URLSpec{
		web.URL("/", &indexHandler{}),
		web.URL("/upload", &uploadHandler{opts: opts}),
		web.URL("/files/(.+)", &putHandler{opts: opts, disk: o.Disk}),
	}, web.Settings{})
}

// NewServer returns an unstarted server of the demo's application with
// options o.
func NewServer(o Options) *httpserver.HTTPServer {
	s := httpserver.NewWithDelegate(NewApp(o))
	s.MaxBodySize = 1 << 30 // uploads stream: allow 1 GiB
	return s
}

// Server is a running demo.
type Server struct {
	// URL is where it listens, "http://host:port".
	URL string
	// HTTP is the server.
	HTTP *httpserver.HTTPServer
}

// Start serves the demo on addr, on a loop per core; dir, if set,
// receives the files.
func Start(addr, dir string) (*Server, error) { return StartWith(addr, Options{Dir: dir}) }

// StartWith serves the demo with options o on addr, on a loop per core.
func StartWith(addr string, o Options) (*Server, error) {
	s := NewServer(o)
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
