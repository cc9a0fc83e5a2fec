package websocket_test

import (
	"fmt"

	"github.com/gornado/gornado/final/websocket"
)

// A client's Writer and a server's Reader, with no network in between:
// the bytes arrive in two pieces, and a malformed frame fails with the
// close code to send.
func Example() {
	client := websocket.NewWriter(websocket.WriterOptions{Client: true})
	server := websocket.NewReader(websocket.ReaderOptions{Server: true})

	wire := client.AppendMessage(nil, websocket.OpText, []byte("hello"))
	wire = client.AppendMessage(wire, websocket.OpPing, []byte("are you there?"))
	for _, piece := range [][]byte{wire[:9], wire[9:]} {
		for len(piece) > 0 {
			n, m, ok, err := server.Next(piece)
			if err != nil {
				fmt.Println(err)
				return
			}
			piece = piece[n:]
			if ok {
				fmt.Printf("%v %q\n", m.Opcode, m.Data)
			}
		}
	}

	// A text frame that is not UTF-8.
	bad := client.AppendMessage(nil, websocket.OpText, []byte("\xff"))
	_, _, _, err := server.Next(bad)
	fmt.Println(err, websocket.CodeOf(err))
	// Output:
	// text "hello"
	// ping "are you there?"
	// websocket: invalid UTF-8 1007
}

// The server's side of the opening handshake, with the key and answer of
// RFC 6455, section 1.3.
func ExampleComputeAcceptKey() {
	fmt.Println(websocket.ComputeAcceptKey("dGhlIHNhbXBsZSBub25jZQ=="))
	// Output: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
}

// A server answering a browser's compression offer.
func ExampleNegotiateDeflate() {
	params, response, ok := websocket.NegotiateDeflate(
		"permessage-deflate; client_max_window_bits, permessage-deflate",
		&websocket.CompressionOptions{ClientNoContextTakeover: true})
	fmt.Println(ok, response, params.ServerMaxWindowBits)
	// Output: true permessage-deflate; client_no_context_takeover 15
}
