package httpserver_test

import (
	"fmt"
	"io"
	"net/http"

	"github.com/gornado/gornado/final/httpserver"
)

// Hello, world on a loop of the server's own.
func Example() {
	server := httpserver.New(httpserver.HandlerFunc(func(req *httpserver.Request) {
		req.Conn.Respond(200, nil, "text/plain", []byte("Hello, world"))
	}))
	server.Loops = 1
	server.Bind(0, "127.0.0.1")
	server.Start()
	defer server.Close()

	resp, err := http.Get("http://" + server.Addr("127.0.0.1") + "/")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, string(body))
	// Output: 200 OK Hello, world
}
