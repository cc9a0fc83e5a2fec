package blocking

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is the blocking side of the story: a web server written the way one
// writes a script. It accepts a connection, reads the request, works, writes the
// answer, closes, and only then accepts the next. Every page takes Delay to
// prepare, standing for a database query or a call to another service: time
// in which this server waits and does nothing else.
//
// Two ways to run it show what blocking costs:
//
//   - ServeOneAtATime handles connections one after another. N clients that
//     arrive together wait N x Delay for the last answer.
//   - ServeThreaded gives each connection a goroutine of its own, the classic
//     thread-per-connection server. N clients get their answers after about
//     1 x Delay, but every waiting client holds a thread (in C, Java or Python)
//     or a goroutine stack (in Go): memory and scheduling for each one, which
//     is the C10K problem.
type Server struct {
	// Delay is how long each page takes to prepare.
	Delay time.Duration

	ln     net.Listener
	wg     sync.WaitGroup
	mu     sync.Mutex // guards closed, live, busy and peak
	closed bool
	live   map[net.Conn]struct{}
	busy   int // pages being prepared right now
	peak   int // the most pages ever prepared at the same moment
}

// PeakConcurrency is the largest number of requests the server was working on
// at the same moment: never more than 1 for ServeOneAtATime.
func (s *Server) PeakConcurrency() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// working records that a page is being prepared until the returned func runs.
func (s *Server) working() (done func()) {
	s.mu.Lock()
	s.busy++
	s.peak = max(s.peak, s.busy)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.busy--
		s.mu.Unlock()
	}
}

// Listen opens the server's socket; addr is usually "127.0.0.1:0".
func Listen(addr string, delay time.Duration) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Server{Delay: delay, ln: ln, live: map[net.Conn]struct{}{}}, nil
}

// URL is the base address of the server, such as "http://127.0.0.1:8888".
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// ServeOneAtATime accepts and answers connections strictly one after another,
// on the calling goroutine, until Close. Nothing else happens while it waits
// for a client's bytes or for a page to be ready.
func (s *Server) ServeOneAtATime() error {
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return s.acceptErr(err)
		}
		s.handle(conn)
	}
}

// ServeThreaded accepts connections on the calling goroutine and answers each
// on a goroutine of its own, until Close.
func (s *Server) ServeThreaded() error {
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return s.acceptErr(err)
		}
		if !s.track() { // Close has begun
			conn.Close()
			continue
		}
		go func() {
			defer s.wg.Done()
			s.handle(conn)
		}()
	}
}

// track counts a connection's goroutine in wg, unless Close has begun.
// The count is taken under the lock Close sets closed under, and this is
// why: a WaitGroup must not grow from zero while Wait runs, and Close
// waits as soon as it lets go of the lock. A connection that Accept
// returned just as Close ran, counted outside the lock, could be counted
// after Close had started waiting; the race detector caught that now and
// then. Under the lock, either the count comes first and Close waits for
// the goroutine, or Close comes first and the connection is closed here.
func (s *Server) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// Close stops accepting, closes the connections being served and waits for
// their goroutines to end.
func (s *Server) Close() error {
	err := s.ln.Close()
	s.mu.Lock()
	s.closed = true
	for c := range s.live {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *Server) acceptErr(err error) error {
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// handle serves one connection: one request, one answer, close. Each step
// blocks the goroutine it runs on.
func (s *Server) handle(conn net.Conn) {
	s.mu.Lock()
	if s.closed { // accepted just as Close ran: it cannot see this one
		s.mu.Unlock()
		conn.Close()
		return
	}
	s.live[conn] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.live, conn)
		s.mu.Unlock()
		conn.Close()
	}()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))

	// Read the request line and skip the headers up to the empty line. A
	// request that is not "GET /path HTTP/1.x" gets a 400.
	r := bufio.NewReader(conn)
	line, err := readLine(r)
	if err != nil {
		return
	}
	for {
		h, err := readLine(r)
		if err != nil {
			return
		}
		if h == "" {
			break
		}
	}
	status, body := s.answer(line)
	fmt.Fprintf(conn, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, statusText(status), len(body), body)
}

// answer decides what a request line gets: page N after the delay, or an error.
func (s *Server) answer(requestLine string) (int, string) {
	parts := strings.Split(requestLine, " ")
	if len(parts) != 3 || !strings.HasPrefix(parts[2], "HTTP/1.") {
		return 400, "bad request\n"
	}
	if parts[0] != "GET" {
		return 405, "only GET\n"
	}
	n, err := strconv.Atoi(strings.TrimPrefix(parts[1], "/page/"))
	if !strings.HasPrefix(parts[1], "/page/") || err != nil || n < 0 {
		return 404, "no such page\n"
	}
	defer s.working()()
	time.Sleep(s.Delay) // the slow work: this goroutine can do nothing else now
	return 200, fmt.Sprintf("page %d\n", n)
}

func statusText(code int) string {
	switch code {
	case 200:
		return "OK"
	case 400:
		return "Bad Request"
	case 404:
		return "Not Found"
	default:
		return "Method Not Allowed"
	}
}
