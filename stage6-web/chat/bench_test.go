package chat_test

import (
	"fmt"
	"net"
	"runtime"
	"testing"

	"github.com/gornado/gornado/stage6-web/chat"
	"github.com/gornado/gornado/stage6-web/internal/servertest"
)

// BenchmarkLongPollWaiters measures what a waiting long poll costs: each of
// the connections below has sent a long poll that has nothing to answer yet,
// so its handler sits paused at an Await. The figure is bytes of Go memory per
// waiting poll, client socket included, the same measure as stage 1's
// BenchmarkIdleConnections (a goroutine per connection).
func BenchmarkLongPollWaiters(b *testing.B) {
	const polls = 1000
	for i := 0; i < b.N; i++ {
		buffer := chat.NewMessageBuffer(10)
		s := servertest.Start(b, chat.NewApplication(buffer))
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		clients := make([]net.Conn, 0, polls)
		request := "POST /a/message/updates HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
		for range polls {
			c, err := net.Dial("tcp", s.Addr)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.Write([]byte(request)); err != nil {
				b.Fatal(err)
			}
			clients = append(clients, c)
		}
		s.WaitFor(b, fmt.Sprintf("%d waiting polls", polls), func() bool { return buffer.Waiters() == polls })
		runtime.GC()
		runtime.ReadMemStats(&after)
		perPoll := float64((after.StackInuse+after.HeapInuse)-(before.StackInuse+before.HeapInuse)) / polls
		b.ReportMetric(perPoll, "bytes/waiting-poll")
		for _, c := range clients {
			c.Close()
		}
		s.WaitFor(b, "every poll to go", func() bool { return s.HTTP.Connections() == 0 })
	}
}
