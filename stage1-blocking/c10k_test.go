package blocking

import (
	"net"
	"runtime"
	"testing"
	"time"
)

// BenchmarkIdleConnections measures what an idle client costs a
// goroutine-per-connection server: each of the connections below has sent half
// a request line, so its goroutine sits blocked in a read, holding its stack
// and its bufio.Reader. The figure reported is bytes of Go memory per idle
// connection; multiply by ten thousand for C10K.
func BenchmarkIdleConnections(b *testing.B) {
	const conns = 1000
	for i := 0; i < b.N; i++ {
		srv, err := Listen("127.0.0.1:0", 0)
		if err != nil {
			b.Fatal(err)
		}
		go srv.ServeThreaded()

		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		clients := make([]net.Conn, 0, conns)
		for j := 0; j < conns; j++ {
			c, err := net.Dial("tcp", srv.ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.Write([]byte("GET /page/1")); err != nil {
				b.Fatal(err)
			}
			clients = append(clients, c)
		}
		// Wait until the server holds every connection in a goroutine of its own.
		for deadline := time.Now().Add(10 * time.Second); ; {
			srv.mu.Lock()
			n := len(srv.live)
			srv.mu.Unlock()
			if n == conns {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("server holds %d of %d connections", n, conns)
			}
			runtime.Gosched()
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perConn := float64((after.StackInuse+after.HeapInuse)-(before.StackInuse+before.HeapInuse)) / conns
		b.ReportMetric(perConn, "bytes/idle-conn")

		for _, c := range clients {
			c.Close()
		}
		srv.Close()
	}
}
