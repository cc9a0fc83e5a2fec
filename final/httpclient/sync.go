// HTTPClient: the blocking client, running an AsyncHTTPClient on a loop of
// its own for each call (Tornado's HTTPClient).

package httpclient

import (
	"sync"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/ioloop"
)

// HTTPClient is the synchronous client (Tornado's HTTPClient): Fetch
// blocks until the response. It runs its own loop, so it must not be used
// from a loop's goroutine; calls are serialised. Keep-alive connections
// are pooled between calls.
type HTTPClient struct {
	mu    sync.Mutex
	loop  *ioloop.IOLoop
	async *AsyncHTTPClient
}

// NewHTTPClient returns a synchronous client with a loop of its own.
func NewHTTPClient() (*HTTPClient, error) {
	loop, err := ioloop.New()
	if err != nil {
		return nil, err
	}
	return &HTTPClient{loop: loop, async: New(loop)}, nil
}

// Async returns the AsyncHTTPClient underneath, to set its options.
func (c *HTTPClient) Async() *AsyncHTTPClient { return c.async }

// Fetch fetches req and returns the response, or the error (an
// *HTTPClientError for a non-2xx answer unless AllowNonOK, and for 599
// failures).
func (c *HTTPClient) Fetch(req *HTTPRequest) (*HTTPResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return ioloop.RunSync(c.loop, func() *concurrent.Future[*HTTPResponse] { return c.async.Fetch(req) }, 0)
}

// FetchURL fetches rawURL with GET.
func (c *HTTPClient) FetchURL(rawURL string) (*HTTPResponse, error) {
	return c.Fetch(&HTTPRequest{URL: rawURL})
}

// Close closes the pooled connections and the loop.
func (c *HTTPClient) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.async.Close()
	return c.loop.Close(true)
}
