package httpserver_test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"

	coroutines "github.com/gornado/gornado/stage4-coroutines"
	"github.com/gornado/gornado/stage5-iostream/ioloop"
	"github.com/gornado/gornado/stage6-web/httpserver"
)

// A server whose Delegate is a plain function, asked by a net/http client on
// another goroutine, which stops the loop through AddCallback when it is done.
func ExampleHTTPServer() {
	loop, _ := ioloop.New()
	defer loop.Close(true)
	hello := httpserver.DelegateFunc(func(await coroutines.Await, req *httpserver.Request) {
		body := fmt.Sprintf("hello, %s %s\n", req.Method, req.Path)
		req.Connection.WriteHeaders(200, http.Header{"Content-Length": {strconv.Itoa(len(body))}}, []byte(body))
		req.Connection.Finish()
	})
	srv := httpserver.NewHTTPServer(loop, hello, nil)
	_ = srv.Listen("127.0.0.1:0")
	url := "http://" + srv.Addr() + "/world"

	go func() {
		defer loop.AddCallback(func() { srv.Close(); loop.Stop() })
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := client.Get(url)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		fmt.Print(resp.Status, " ", string(body))
	}()
	_ = loop.Start()
	// Output: 200 OK hello, GET /world
}
