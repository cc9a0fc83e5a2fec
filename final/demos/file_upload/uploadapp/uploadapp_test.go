package uploadapp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStreamingMultipartUpload(t *testing.T) {
	dir := t.TempDir()
	s, err := Start("127.0.0.1:0", dir)
	require.NoError(t, err)
	defer s.HTTP.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}

	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("comment", "two files")
	w, _ := mw.CreateFormFile("file", "big.bin")
	w.Write(big)
	w, _ = mw.CreateFormFile("file", "../../small.txt")
	w.Write([]byte("small"))
	mw.Close()
	resp, err := c.Post(s.URL+"/upload", mw.FormDataContentType(), &body)
	require.NoError(t, err)
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode, string(out))
	sum := sha256.Sum256(big)
	assert.Contains(t, string(out), `field comment = "two files"`)
	assert.Contains(t, string(out), fmt.Sprintf("file big.bin (application/octet-stream, field file): %d bytes, sha256 %s", len(big), hex.EncodeToString(sum[:])))
	assert.Contains(t, string(out), "file small.txt (", "mime/multipart keeps only the base name")
	saved, err := os.ReadFile(filepath.Join(dir, "small.txt"))
	require.NoError(t, err, "saved inside -dir whatever the filename says")
	assert.Equal(t, "small", string(saved))

	resp, err = c.Post(s.URL+"/upload", "text/plain", strings.NewReader("x"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 400, resp.StatusCode)

	req, _ := http.NewRequest("PUT", s.URL+"/files/raw.bin", bytes.NewReader(big))
	resp, err = c.Do(req)
	require.NoError(t, err)
	out, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, fmt.Sprintf("PUT raw.bin %d bytes\n", len(big)), string(out))
}
