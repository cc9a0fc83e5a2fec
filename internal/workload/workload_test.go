package workload

import (
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

func TestPagesAndFramings(t *testing.T) {
	s, err := Start("127.0.0.1:0", 0)
	require.NoError(t, err)
	defer s.Close()

	resp, body := get(t, s.PageURL(7))
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, PageBody(7), body)
	assert.Equal(t, int64(len(body)), resp.ContentLength)

	resp, body = get(t, s.PageURL(3)+"?framing=chunked")
	assert.Equal(t, []string{"chunked"}, resp.TransferEncoding)
	assert.Equal(t, PageBody(3), body)

	resp, body = get(t, s.PageURL(4)+"?framing=close")
	assert.Equal(t, int64(-1), resp.ContentLength)
	assert.Nil(t, resp.TransferEncoding)
	assert.Equal(t, PageBody(4), body)

	resp, _ = get(t, s.PageURL(1)+"?status=404")
	assert.Equal(t, 404, resp.StatusCode)

	resp, body = get(t, s.PageURL(1)+"?size=100000")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Len(t, body, 100000)

	resp, _ = get(t, s.URL+"/page/x")
	assert.Equal(t, 404, resp.StatusCode)
	resp, _ = get(t, s.PageURL(1)+"?framing=bogus")
	assert.Equal(t, 400, resp.StatusCode)
	resp, _ = get(t, s.PageURL(1)+"?delay=-1s")
	assert.Equal(t, 400, resp.StatusCode)

	assert.Equal(t, int64(5), s.Served())
}

// TestDelayAndConcurrency checks the two facts the stages' tables rest on:
// every page takes at least the delay, and pages fetched at once overlap.
func TestDelayAndConcurrency(t *testing.T) {
	const delay = 300 * time.Millisecond // long enough for all four to overlap
	s, err := Start("127.0.0.1:0", delay)
	require.NoError(t, err)
	defer s.Close()

	start := time.Now()
	var wg sync.WaitGroup
	for _, u := range s.PageURLs(4) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(u)
			if assert.NoError(t, err) {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	assert.GreaterOrEqual(t, time.Since(start), delay)
	assert.Equal(t, int64(4), s.PeakConcurrency())
	assert.Equal(t, int64(4), s.Served())
}

func TestPagesSaysPageForOne(t *testing.T) {
	assert.Equal(t, "0 pages", Pages(0))
	assert.Equal(t, "1 page", Pages(1))
	assert.Equal(t, "5 pages", Pages(5))
}
