package blocking

// Spoilers: a model answer to each of the chapter's exercises, and the wrong
// answers the exercise tests must reject. TestExerciseCheckers runs the
// checkers of exercisecheck_test.go on all of them, so CI checks that the
// exercise tests would catch each mistake, within their deadlines:
//
//	go test -v -run TestExerciseCheckers ./stage1-blocking/

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gornado/gornado/internal/exercisetest"
)

// modelCrawlAtMost is a semaphore of k slots: each fetch takes one before it
// starts and gives it back when it ends, so a new fetch starts as soon as any
// one finishes.
func modelCrawlAtMost(urls []string, k int) ([]Page, time.Duration) {
	start := time.Now()
	pages := make([]Page, len(urls))
	slots := make(chan struct{}, k)
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			body, err := Fetch(u)
			pages[i] = Page{URL: u, Body: body, Err: err}
		}()
	}
	wg.Wait()
	return pages, time.Since(start)
}

// allAtOnce ignores k: one goroutine per URL.
func allAtOnce(urls []string, k int) ([]Page, time.Duration) {
	return modelCrawlAtMost(urls, len(urls)+1)
}

// batches starts k fetches and waits for all k before the next k.
func batches(urls []string, k int) ([]Page, time.Duration) {
	start := time.Now()
	pages := make([]Page, len(urls))
	for b := 0; b < len(urls); b += k {
		var wg sync.WaitGroup
		for i := b; i < min(b+k, len(urls)); i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body, err := Fetch(urls[i])
				pages[i] = Page{URL: urls[i], Body: body, Err: err}
			}()
		}
		wg.Wait()
	}
	return pages, time.Since(start)
}

// modelKeepAlive keeps one connection and its reader; net/http's
// ReadResponse stands in for the reader's own framing code.
type modelKeepAlive struct {
	conn net.Conn
	r    *bufio.Reader
	host string
	// redial is false in the wrong answer that keeps a connection the
	// server closed.
	redial bool
	// perHost is false in the wrong answer that sends every request down
	// the one connection it has.
	perHost bool
}

func (c *modelKeepAlive) Fetch(rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	for {
		reused := c.conn != nil && (c.host == u.Host || !c.perHost)
		if !reused {
			_ = c.Close()
			conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
			if err != nil {
				return nil, err
			}
			c.conn, c.r, c.host = conn, bufio.NewReader(conn), u.Host
		}
		_ = c.conn.SetDeadline(time.Now().Add(5 * time.Second))
		_, err := fmt.Fprintf(c.conn, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", u.RequestURI(), u.Host)
		var resp *http.Response
		if err == nil {
			resp, err = http.ReadResponse(c.r, nil)
		}
		if err != nil {
			_ = c.Close()
			if reused && c.redial {
				continue // the kept connection was dead: dial again
			}
			return nil, err
		}
		body, err := io.ReadAll(resp.Body)
		if (resp.Close && c.redial) || err != nil {
			_ = c.Close()
		}
		return body, err
	}
}

func (c *modelKeepAlive) Close() error {
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn = nil
	return err
}

// readsToClose drops "Connection: close" from the request but still frames
// the response by the end of the connection, which a keep-alive server never
// sends: its Fetch waits for ever.
type readsToClose struct{}

func (readsToClose) Fetch(rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", u.RequestURI(), u.Host)
	raw, err := io.ReadAll(conn)
	if err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), nil)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(resp.Body)
}

func (readsToClose) Close() error { return nil }

func TestExerciseCheckers(t *testing.T) {
	t.Run("CrawlAtMost", func(t *testing.T) {
		exercisetest.Reject(t, checkCrawlAtMost, modelCrawlAtMost, []exercisetest.Wrong[crawlAtMostFunc]{
			{Mistake: "the starting point: one after another", Answer: CrawlAtMost},
			{Mistake: "every fetch at once, ignoring k", Answer: allAtOnce},
			{Mistake: "batches of k instead of a window", Answer: batches},
		})
	})
	t.Run("KeepAlive", func(t *testing.T) {
		exercisetest.Reject(t, checkKeepAlive,
			func() fetchCloser { return &modelKeepAlive{redial: true, perHost: true} },
			[]exercisetest.Wrong[func() fetchCloser]{
				{Mistake: "the starting point: a new connection every time", Answer: func() fetchCloser { return &KeepAliveClient{} }},
				{Mistake: "reads until the server closes a kept connection", Answer: func() fetchCloser { return readsToClose{} }},
				{Mistake: "keeps a connection the server closed", Answer: func() fetchCloser { return &modelKeepAlive{perHost: true} }},
				{Mistake: "one connection for every host", Answer: func() fetchCloser { return &modelKeepAlive{redial: true} }},
			})
	})
}
