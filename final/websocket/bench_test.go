package websocket

import (
	"bytes"
	"testing"
)

// BenchmarkReadFrame1K parses and unmasks a 1 KiB masked binary frame, as
// a server reads it. Unmasking in place toggles the payload each
// iteration, which a binary message does not mind.
func BenchmarkReadFrame1K(b *testing.B) {
	wire := AppendFrame(nil, true, 0, OpBinary, bytes.Repeat([]byte("x"), 1024), &testKey)
	r := NewReader(ReaderOptions{Server: true})
	b.SetBytes(int64(len(wire)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, _, ok, err := r.Next(wire)
		if !ok || err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadText1K is ReadFrame1K for a text frame, UTF-8 checked; the
// frame is copied fresh each time so that it stays valid.
func BenchmarkReadText1K(b *testing.B) {
	wire := AppendFrame(nil, true, 0, OpText, append(bytes.Repeat([]byte("héllo wörld "), 73), "!!"...), &testKey)
	buf := make([]byte, len(wire))
	r := NewReader(ReaderOptions{Server: true})
	b.SetBytes(int64(len(wire)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		copy(buf, wire)
		_, _, ok, err := r.Next(buf)
		if !ok || err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteFrame1K prepares a 1 KiB frame: a server's (header only)
// and a client's (copied and masked with a fresh key).
func BenchmarkWriteFrame1K(b *testing.B) {
	payload := bytes.Repeat([]byte("x"), 1024)
	for _, side := range []string{"server", "client"} {
		b.Run(side, func(b *testing.B) {
			w := NewWriter(WriterOptions{Client: side == "client"})
			dst := make([]byte, 0, 2048)
			b.SetBytes(1024)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				dst = w.AppendMessage(dst[:0], OpBinary, payload)
			}
		})
	}
}

// BenchmarkMaskBytes1K masks 1 KiB.
func BenchmarkMaskBytes1K(b *testing.B) {
	buf := make([]byte, 1024)
	b.SetBytes(1024)
	for i := 0; i < b.N; i++ {
		MaskBytes(testKey, i, buf)
	}
}

// BenchmarkDeflate1K compresses a 1 KiB text message with context
// takeover and reads it back.
func BenchmarkDeflate1K(b *testing.B) {
	params := &DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	w := NewWriter(WriterOptions{Deflate: params})
	r := NewReader(ReaderOptions{Deflate: params})
	payload := bytes.Repeat([]byte("the quick brown fox jumps over the lazy dog "), 24)[:1024]
	dst := make([]byte, 0, 4096)
	b.SetBytes(1024)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		dst = w.AppendMessage(dst[:0], OpText, payload)
		_, m, ok, err := r.Next(dst)
		if !ok || err != nil || len(m.Data) != 1024 {
			b.Fatal(err)
		}
	}
}
