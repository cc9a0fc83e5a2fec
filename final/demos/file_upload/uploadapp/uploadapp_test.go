package uploadapp

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/webtest"
)

func TestStreamingMultipartUpload(t *testing.T) {
	webtest.CheckLeaks(t)
	dir := t.TempDir()
	s := webtest.Serve(t, App(dir))

	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("comment", "two files")
	w, _ := mw.CreateFormFile("file", "big.bin")
	w.Write(big)
	w, _ = mw.CreateFormFile("file", "../../small.txt")
	w.Write([]byte("small"))
	mw.Close()
	resp := s.Fetch("/upload", webtest.Method("POST"), webtest.Body(body.String()), webtest.Header("Content-Type", mw.FormDataContentType()))
	out := string(resp.Body)
	require.Equal(t, 200, resp.Code, out)
	sum := sha256.Sum256(big)
	assert.Contains(t, out, `field comment = "two files"`)
	assert.Contains(t, out, fmt.Sprintf("file big.bin (application/octet-stream, field file): %d bytes, sha256 %s", len(big), hex.EncodeToString(sum[:])))
	assert.Contains(t, out, "file small.txt (", "mime/multipart keeps only the base name")
	saved, err := os.ReadFile(filepath.Join(dir, "small.txt"))
	require.NoError(t, err, "saved inside -dir whatever the filename says")
	assert.Equal(t, "small", string(saved))

	resp = s.Fetch("/upload", webtest.Method("POST"), webtest.Body("x"), webtest.Header("Content-Type", "text/plain"))
	assert.Equal(t, 400, resp.Code)

	resp = s.Fetch("/files/raw.bin", webtest.Method("PUT"), webtest.Body(string(big)))
	assert.Equal(t, fmt.Sprintf("PUT raw.bin %d bytes\n", len(big)), string(resp.Body))
}

// slowDisk is a disk whose writes block until release: the files it
// creates are real, under a test directory, and each Write waits.
type slowDisk struct {
	// writing is told of each Write that waits; gate opens them all.
	writing chan string
	gate    chan struct{}
}

func (d *slowDisk) create(path string) (io.WriteCloser, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &slowFile{f: f, d: d, path: path}, nil
}

func (d *slowDisk) release() { close(d.gate) }

type slowFile struct {
	f    *os.File
	d    *slowDisk
	path string
}

func (f *slowFile) Write(p []byte) (int, error) {
	select {
	case f.d.writing <- f.path:
	default:
	}
	<-f.d.gate
	return f.f.Write(p)
}

func (f *slowFile) Close() error { return f.f.Close() }

// While an upload waits on a slow disk, the loop it shares with other
// clients goes on answering them, and the uploader is held back (its sends
// block) rather than buffered by the server; once the disk is released,
// the file saved is the upload, byte for byte. For a multipart POST and a
// raw PUT.
func TestSlowDiskKeepsLoopFree(t *testing.T) {
	data := make([]byte, 16<<20)
	rand.New(rand.NewSource(4)).Read(data)
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	w, _ := mw.CreateFormFile("file", "big.bin")
	w.Write(data)
	mw.Close()
	for _, tc := range []struct {
		name, head string
		body       []byte
	}{
		{"multipart", "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: " + mw.FormDataContentType(), form.Bytes()},
		{"put", "PUT /files/big.bin HTTP/1.1\r\nHost: x", data},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			disk := &slowDisk{writing: make(chan string, 1), gate: make(chan struct{})}
			// One loop: the uploader and the other client share it.
			g, err := ioloop.StartGroup(1)
			require.NoError(t, err)
			s := NewServer(Options{Dir: dir, Create: disk.create})
			require.NoError(t, s.Bind(0, "127.0.0.1"))
			require.NoError(t, s.Start(g.Loops()...))
			defer func() {
				s.Close()
				g.Stop()
			}()
			released := false
			defer func() {
				if !released {
					// Before the server stops: a loop blocked on the disk
					// (the failure this test looks for) could not.
					disk.release()
				}
			}()
			addr := s.Addr("127.0.0.1")

			up, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			defer up.Close()
			require.NoError(t, up.SetDeadline(time.Now().Add(60*time.Second)))
			// The uploader sends as fast as it can; a send that makes no
			// progress for half a second tells the test it is blocked,
			// then goes on waiting.
			var sent atomic.Int64
			blocked := make(chan struct{})
			uploaded := make(chan error, 1)
			go func() {
				_, err := fmt.Fprintf(up, "%s\r\nContent-Length: %d\r\n\r\n", tc.head, len(tc.body))
				told := false
				for b := tc.body; err == nil && len(b) > 0; {
					if !told {
						up.SetWriteDeadline(time.Now().Add(500 * time.Millisecond))
					}
					var n int
					n, err = up.Write(b[:min(len(b), 64<<10)])
					sent.Add(int64(n))
					b = b[n:]
					var ne net.Error
					if errors.As(err, &ne) && ne.Timeout() && !told {
						close(blocked)
						told = true
						err = up.SetWriteDeadline(time.Now().Add(60 * time.Second))
					}
				}
				uploaded <- err
			}()
			path := filepath.Join(dir, "big.bin")
			select {
			case p := <-disk.writing:
				require.Equal(t, path, p)
			case <-time.After(10 * time.Second):
				t.Fatal("the upload never reached the disk")
			}
			select {
			case <-blocked:
			case err := <-uploaded:
				t.Fatalf("the whole upload was taken while the disk was stuck (%v)", err)
			case <-time.After(20 * time.Second):
				t.Fatal("the uploader's sends never blocked")
			}

			// The same loop answers another client promptly, again and
			// again, while the upload waits on the disk.
			other, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			defer other.Close()
			br := bufio.NewReader(other)
			var worst time.Duration
			for range 20 {
				start := time.Now()
				require.NoError(t, other.SetDeadline(start.Add(2*time.Second)))
				_, err := io.WriteString(other, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
				require.NoError(t, err)
				resp, err := http.ReadResponse(br, nil)
				require.NoError(t, err, "the loop is blocked by the upload")
				_, err = io.Copy(io.Discard, resp.Body)
				require.NoError(t, err)
				require.Equal(t, 200, resp.StatusCode)
				worst = max(worst, time.Since(start))
			}
			t.Logf("slowest of 20 GETs beside the held upload: %v", worst)

			// Held back: the uploader's sends block on the full sockets.
			select {
			case err := <-uploaded:
				t.Fatalf("the whole upload was taken while the disk was stuck (%v)", err)
			default:
			}
			t.Logf("the uploader had sent %d KiB of %d KiB", sent.Load()>>10, len(tc.body)>>10)
			assert.Less(t, sent.Load(), int64(len(tc.body)/2))

			disk.release()
			released = true
			require.NoError(t, <-uploaded)
			resp, err := http.ReadResponse(bufio.NewReader(up), nil)
			require.NoError(t, err)
			out, _ := io.ReadAll(resp.Body)
			require.Equal(t, 200, resp.StatusCode, string(out))
			saved, err := os.ReadFile(path)
			require.NoError(t, err)
			require.True(t, bytes.Equal(data, saved), "the file saved is not the upload")
		})
	}
}
