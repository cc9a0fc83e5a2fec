// Package payload holds what every peer server answers, so that the Go peers
// send byte-for-byte the same bodies, and the readiness line every server
// prints (the contract final's helloworld demo follows too).
package payload

import (
	"fmt"
	"os"
)

// The endpoints every peer serves. The WebSocket endpoint is only on peers
// that have WebSockets.
const (
	PathHello = "/"
	PathJSON  = "/json"
	Path64K   = "/64k"
	PathEcho  = "/echo"
)

// Hello is the body of GET /, sent as text/plain.
const Hello = "Hello, world"

// JSON is the body of GET /json, sent as application/json. Peers may build it
// with their JSON encoder (net/http does, per request) as long as the bytes are
// these.
const JSON = `{"message":"Hello, world"}`

// Size64K is the length of the GET /64k body.
const Size64K = 64 << 10

// Body64K returns the 64 KiB body: the alphabet repeated, so that a mistake in
// offsets shows in a diff. The Tornado app and the nginx file use the same
// bytes (the runner writes the nginx file from this function).
func Body64K() []byte {
	b := make([]byte, Size64K)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

// Ready prints the readiness line, the URL the server listens on, to standard
// output. The runner waits for a line that holds "http://" before it sends
// any load, so a server must print it only once it accepts connections.
func Ready(addr string) {
	fmt.Fprintf(os.Stdout, "http://%s/\n", addr)
}
