package httpserver_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/httpserver"
)

// bodyMemChild, set in the environment, makes the test binary the server
// of TestConcurrentUploadsStayWithinTheBudget instead of running tests.
const bodyMemChild = "GORNADO_BODYMEM_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(bodyMemChild) != "" {
		os.Exit(bodyMemServer())
	}
	os.Exit(m.Run())
}

// bodyMemServer serves a Handler that takes bodies whole, with the default
// options, prints its address, and exits when its stdin closes.
func bodyMemServer() int {
	s := httpserver.New(httpserver.HandlerFunc(func(req *httpserver.Request) {
		req.Conn.Respond(200, nil, "text/plain", []byte(strconv.Itoa(len(req.Body))))
	}))
	if err := s.Listen(nil, 0, "127.0.0.1"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(s.Addr("127.0.0.1"))
	io.Copy(io.Discard, os.Stdin)
	s.Close()
	return 0
}

// procStatus returns a field of /proc/pid/status in bytes (VmRSS, VmHWM).
func procStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest) // "123456 kB"
			require.Len(t, f, 2, line)
			kb, err := strconv.ParseInt(f[0], 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// TestConcurrentUploadsStayWithinTheBudget: 20 clients upload endless
// chunked bodies (10 GiB each, virtually) to a Handler, which takes bodies
// whole, while another client keeps asking for small answers. The server
// runs in a child process (this test binary, re-executed) so that its peak
// resident memory, VmHWM, is its own: it must grow by less than 512 MiB
// (MaxBodyMemory's default is 200 MiB; before it, the uploads took 3.5
// GiB), every upload must be refused (503 for the budget, 413 for
// MaxBodySize) or cut off, and the other client must be answered
// throughout.
func TestConcurrentUploadsStayWithinTheBudget(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads the server's peak memory from Linux's /proc/<pid>/status")
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), bodyMemChild+"=1")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	addrCh := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		addrCh <- strings.TrimSpace(line)
	}()
	var addr string
	select {
	case addr = <-addrCh:
		require.NotEmpty(t, addr, "the server printed no address")
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not start within 20s")
	}
	pid := cmd.Process.Pid

	probe := &http.Client{Timeout: 20 * time.Second}
	get := func() (time.Duration, error) {
		start := time.Now()
		resp, err := probe.Get("http://" + addr + "/")
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(start), err
	}
	for range 10 {
		_, err := get()
		require.NoError(t, err)
	}
	base := procStatus(t, pid, "VmRSS")

	const uploads = 20
	results := make(chan string, uploads)
	var wg sync.WaitGroup
	for range uploads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- upload(addr, 10<<30)
		}()
	}
	allDone := make(chan struct{})
	go func() { wg.Wait(); close(allDone) }()

	// The other client, while the uploads run: each answer within 10 s,
	// a generous bound for a loaded machine under the race detector
	// (answers take milliseconds, up to a second or two while 20 uploads
	// saturate both cores).
	var slowest time.Duration
	probes := 0
	deadline := time.After(3 * time.Minute)
	for done := false; !done; {
		select {
		case <-allDone:
			done = true
		case <-deadline:
			t.Fatal("the uploads were not all refused within 3 minutes")
		case <-time.After(100 * time.Millisecond):
			d, err := get()
			require.NoError(t, err, "the other client while the uploads run")
			slowest = max(slowest, d)
			probes++
		}
	}
	close(results)
	outcomes := map[string]int{}
	for r := range results {
		outcomes[r]++
	}
	peak := procStatus(t, pid, "VmHWM")
	growth := peak - base
	t.Logf("server RSS %d MiB before, peak %d MiB: growth %d MiB; uploads: %v; %d answers to the other client, the slowest in %v",
		base>>20, peak>>20, growth>>20, outcomes, probes, slowest.Round(time.Millisecond))
	assert.Less(t, growth, int64(512<<20), "the server's peak memory growth")
	assert.Less(t, slowest, 10*time.Second, "the other client's slowest answer")
	for r := range outcomes {
		assert.Contains(t, []string{"503", "413", "closed"}, r, "how an upload ended")
	}
}

// upload sends an endless chunked body, up to limit bytes, and returns
// how it ended: the status of the answer, or "closed" if the connection
// failed first.
func upload(addr string, limit int64) string {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return "dial: " + err.Error()
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Minute))
	if _, err := io.WriteString(c, "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"); err != nil {
		return "closed"
	}
	answer := make(chan string, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			answer <- "closed"
			return
		}
		resp.Body.Close()
		answer <- strconv.Itoa(resp.StatusCode)
	}()
	piece := []byte(fmt.Sprintf("%x\r\n%s\r\n", 64<<10, make([]byte, 64<<10)))
	for sent := int64(0); sent < limit; sent += int64(len(piece)) {
		select {
		case a := <-answer:
			return a
		default:
		}
		if _, err := c.Write(piece); err != nil {
			break // the server stopped reading: its answer, or a close
		}
	}
	return <-answer
}
