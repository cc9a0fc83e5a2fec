// StaticFileHandler: files from a directory (or an fs.FS) with ETag,
// Last-Modified, Range and versioned URLs, and the checks that keep
// requests inside the root (Tornado's StaticFileHandler and static_url).

package web

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gornado/gornado/final/gen"
)

// Static file constants, Tornado's.
const (
	// CacheMaxAge is how long a versioned static URL may be cached: ten
	// years, Tornado's StaticFileHandler.CACHE_MAX_AGE.
	CacheMaxAge = 10 * 365 * 24 * time.Hour
	// staticChunk is how much of a file is sent at a time.
	staticChunk = 64 << 10
)

// StaticFileHandler serves the files under Path (or FS), Tornado's
// StaticFileHandler. The route's first group is the file's path:
//
//	web.URL(`/files/(.*)`, &web.StaticFileHandler{Path: "/var/www"})
//
// Answers carry Etag (an MD5 of the content, cached by modification time),
// Last-Modified and Accept-Ranges; If-None-Match and If-Modified-Since give
// 304; one byte range gives 206 and an unsatisfiable one 416 with
// "Content-Range: bytes */size". A request with ?v= (a URL made by
// StaticURL) may be cached for CacheMaxAge. A path that leaves the root,
// by ".." or by a symbolic link pointing outside it, is refused with 403;
// a directory gives 403 unless DefaultFilename is set.
type StaticFileHandler struct {
	RequestHandler
	// Path is the root directory.
	Path string
	// FS is a file system to serve instead of Path (an embed.FS).
	FS fs.FS
	// DefaultFilename is served for a directory ("index.html").
	DefaultFilename string
}

// staticFile is an opened file to serve.
type staticFile struct {
	// f is the open file, size its length, modTime its modification
	// time and name its path (for the hash cache and the type).
	f       fs.File
	size    int64
	modTime time.Time
	name    string
}

// Head answers like Get without the body.
func (h *StaticFileHandler) Head(args ...string) error { return h.Get(args...) }

// Get serves the file.
func (h *StaticFileHandler) Get(args ...string) error {
	rel := ""
	if len(args) > 0 {
		rel = args[0]
	}
	sf, err := h.open(rel)
	if err != nil {
		return err
	}
	if sf == nil {
		return nil // redirected
	}
	closeFile := true
	defer func() {
		if closeFile {
			sf.f.Close()
		}
	}()
	etag, err := h.Application.contentHash(sf)
	if err != nil {
		return err
	}
	h.SetHeader("Etag", `"`+etag+`"`)
	h.SetHeader("Last-Modified", time.Unix(sf.modTime.Unix(), 0).UTC().Format(http.TimeFormat))
	h.SetHeader("Accept-Ranges", "bytes")
	if h.GetArgumentDefault("v", "") != "" {
		h.SetHeader("Cache-Control", "max-age="+strconv.Itoa(int(CacheMaxAge/time.Second)))
		h.SetHeader("Expires", time.Now().Add(CacheMaxAge).UTC().Format(http.TimeFormat))
	}
	ct := mime.TypeByExtension(path.Ext(sf.name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.SetHeader("Content-Type", ct)
	if h.notModified(etag, sf.modTime) {
		h.SetStatus(304)
		return h.Finish()
	}
	start, end := int64(0), sf.size
	if rng := h.req.Headers.Get("Range"); rng != "" {
		s, e, ok := parseRange(rng)
		if ok {
			if s < 0 {
				s += sf.size
				if s < 0 {
					s = 0
				}
			}
			if e == 0 || e > sf.size {
				e = sf.size
			}
			if s >= sf.size || s >= e {
				// RFC 9110, section 15.5.17: 416 with the current length.
				h.SetStatus(416)
				h.SetHeader("Content-Type", "text/plain")
				h.SetHeader("Content-Range", "bytes */"+strconv.FormatInt(sf.size, 10))
				return h.Finish()
			}
			start, end = s, e
			if start != 0 || end != sf.size {
				h.SetStatus(206)
				h.SetHeader("Content-Range", "bytes "+strconv.FormatInt(start, 10)+"-"+strconv.FormatInt(end-1, 10)+"/"+strconv.FormatInt(sf.size, 10))
			}
		}
	}
	h.SetHeader("Content-Length", strconv.FormatInt(end-start, 10))
	if h.req.Method == "HEAD" {
		return h.Finish()
	}
	if seeker, ok := sf.f.(io.Seeker); ok && start > 0 {
		if _, err := seeker.Seek(start, io.SeekStart); err != nil {
			return err
		}
	} else if start > 0 {
		if _, err := io.CopyN(io.Discard, sf.f, start); err != nil {
			return err
		}
	}
	left := end - start
	if left <= staticChunk {
		buf := make([]byte, left)
		if _, err := io.ReadFull(sf.f, buf); err != nil {
			return err
		}
		h.WriteBytes(buf)
		return h.Finish()
	}
	// A large file goes out a chunk at a time, each after the previous
	// one has been written, so that memory stays bounded (Tornado's get
	// awaits flush() between chunks).
	closeFile = false
	return h.Go(func(c *gen.Co) error {
		defer sf.f.Close()
		buf := make([]byte, staticChunk)
		for left > 0 {
			n := int64(len(buf))
			if n > left {
				n = left
			}
			if _, err := io.ReadFull(sf.f, buf[:n]); err != nil {
				return err
			}
			left -= n
			h.WriteBytes(buf[:n])
			if _, err := gen.Await(c, h.Flush()); err != nil {
				return err
			}
		}
		return nil
	})
}

// notModified reports a conditional request the file satisfies:
// If-None-Match when present, else If-Modified-Since (RFC 9110, section
// 13.2.2).
func (h *StaticFileHandler) notModified(etag string, mod time.Time) bool {
	if inm := h.req.Headers.Peek("If-None-Match"); inm != nil {
		return etagMatches(inm, []byte(`"`+etag+`"`))
	}
	if ims := h.req.Headers.Get("If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !mod.Truncate(time.Second).After(t)
	}
	return false
}

// parseRange parses one "bytes=" range, Tornado's _parse_request_range:
// start and end (exclusive, 0 for "to the end"); a suffix range gives a
// negative start. Several ranges or a malformed one give ok false, and
// the whole file is sent.
func parseRange(v string) (start, end int64, ok bool) {
	spec, found := strings.CutPrefix(strings.TrimSpace(v), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	a, b, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	switch {
	case a == "" && b == "":
		return 0, 0, false
	case a == "":
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return 0, 0, false
		}
		return -n, 0, true
	}
	s, err := strconv.ParseInt(a, 10, 64)
	if err != nil || s < 0 {
		return 0, 0, false
	}
	if b == "" {
		return s, 0, true
	}
	e, err := strconv.ParseInt(b, 10, 64)
	if err != nil || e < s {
		return 0, 0, false
	}
	return s, e + 1, true
}

// open finds and opens the file for rel, refusing paths outside the root.
// It returns nil after redirecting a directory to its slash-ended URL.
func (h *StaticFileHandler) open(rel string) (*staticFile, error) {
	if h.FS != nil {
		return h.openFS(rel)
	}
	if h.Path == "" {
		return nil, &HTTPError{Code: 404}
	}
	root, err := filepath.Abs(h.Path)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, &HTTPError{Code: 403}
	}
	// Tornado's validate_absolute_path: the path must lie under the root.
	if !within(root, abs) {
		return nil, &HTTPError{Code: 403, LogMessage: rel + " is not in root static directory"}
	}
	// And so must whatever a symbolic link along it points to.
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, &HTTPError{Code: 404}
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &HTTPError{Code: 404}
		}
		return nil, &HTTPError{Code: 403}
	}
	if !within(realRoot, real) {
		return nil, &HTTPError{Code: 403, LogMessage: rel + " leads outside the root static directory"}
	}
	st, err := os.Stat(real)
	if err != nil {
		return nil, &HTTPError{Code: 404}
	}
	name := real
	if st.IsDir() {
		if h.DefaultFilename == "" {
			return nil, &HTTPError{Code: 403, LogMessage: rel + " is not a file"}
		}
		if p := h.req.Path(); !strings.HasSuffix(p, "/") {
			if strings.HasPrefix(p, "//") {
				return nil, &HTTPError{Code: 403, LogMessage: "cannot redirect path with two initial slashes"}
			}
			return nil, h.Redirect(p+"/", true)
		}
		name = filepath.Join(real, h.DefaultFilename)
		if st, err = os.Stat(name); err != nil || !st.Mode().IsRegular() {
			return nil, &HTTPError{Code: 404}
		}
	}
	if !st.Mode().IsRegular() {
		return nil, &HTTPError{Code: 403, LogMessage: rel + " is not a file"}
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, &HTTPError{Code: 404}
	}
	return &staticFile{f: f, size: st.Size(), modTime: st.ModTime(), name: name}, nil
}

// openFS opens rel in h.FS, which refuses ".." by itself (fs.ValidPath).
func (h *StaticFileHandler) openFS(rel string) (*staticFile, error) {
	name := strings.TrimPrefix(path.Clean("/"+rel), "/")
	if name == "" {
		name = "."
	}
	if !fs.ValidPath(name) || strings.Contains(rel, "\\") {
		return nil, &HTTPError{Code: 403}
	}
	st, err := fs.Stat(h.FS, name)
	if err != nil {
		return nil, &HTTPError{Code: 404}
	}
	if st.IsDir() {
		if h.DefaultFilename == "" {
			return nil, &HTTPError{Code: 403}
		}
		name = path.Join(name, h.DefaultFilename)
		if st, err = fs.Stat(h.FS, name); err != nil {
			return nil, &HTTPError{Code: 404}
		}
	}
	f, err := h.FS.Open(name)
	if err != nil {
		return nil, &HTTPError{Code: 404}
	}
	return &staticFile{f: f, size: st.Size(), modTime: st.ModTime(), name: name}, nil
}

// within reports whether p is root or under it.
func within(root, p string) bool {
	if p == root {
		return true
	}
	return strings.HasPrefix(p, strings.TrimSuffix(root, string(filepath.Separator))+string(filepath.Separator))
}

// hashKey identifies a file's content for the hash cache.
type hashKey struct {
	// name, mod and size identify one version of a file.
	name string
	mod  int64
	size int64
}

// contentHash returns the MD5 of a file's content in hex (Tornado's
// get_content_version), cached until the file changes, and rewinds it.
func (a *Application) contentHash(sf *staticFile) (string, error) {
	key := hashKey{sf.name, sf.modTime.UnixNano(), sf.size}
	if v, ok := a.staticHashes.Load(key); ok {
		return v.(string), nil
	}
	m := md5.New()
	if _, err := io.Copy(m, sf.f); err != nil {
		return "", err
	}
	sum := hex.EncodeToString(m.Sum(nil))
	a.staticHashes.Store(key, sum)
	if s, ok := sf.f.(io.Seeker); ok {
		if _, err := s.Seek(0, io.SeekStart); err != nil {
			return "", err
		}
	} else {
		return sum, errors.New("web: static file cannot seek")
	}
	return sum, nil
}

// StaticURL returns the URL of a static file with its version,
// "/static/app.js?v=<hash>", Tornado's static_url: browsers may cache it
// for years, and a changed file gets a new URL.
func (a *Application) StaticURL(p string) string {
	base := a.Settings.StaticURLPrefix + strings.TrimPrefix(p, "/")
	h := &StaticFileHandler{Path: a.Settings.StaticPath, FS: a.Settings.StaticFS}
	h.Application, h.handlerState = a, &handlerState{}
	h.req.target = []byte(base)
	sf, err := h.open(p)
	if err != nil || sf == nil {
		return base
	}
	defer sf.f.Close()
	sum, err := a.contentHash(sf)
	if err != nil {
		return base
	}
	return base + "?v=" + sum[:32]
}

// StaticURL is Application.StaticURL (Tornado's handler.static_url).
func (rh *RequestHandler) StaticURL(p string) string {
	rh.live()
	return rh.Application.StaticURL(p)
}
