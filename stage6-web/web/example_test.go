package web_test

import (
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gornado/gornado/stage5-iostream/ioloop"
	"github.com/gornado/gornado/stage6-web/web"
)

// HelloHandler is Tornado's first example, with a route group.
type HelloHandler struct{ web.RequestHandler }

func (h *HelloHandler) Get(args ...string) error {
	h.Write("Hello, " + args[0])
	return nil
}

// An Application on a loop, asked by an ordinary net/http client from another
// goroutine: the loop serves, the client blocks, and the client stops the
// loop through AddCallback, the one method that is safe from elsewhere.
func Example() {
	loop, _ := ioloop.New()
	defer loop.Close(true)
	app := web.NewApplication(
		web.Route{Pattern: `/hello/(\w+)`, New: func() web.Handler { return &HelloHandler{} }},
		web.Route{Pattern: `/page/(\d+)`, New: func() web.Handler { return &web.PageHandler{Delay: 10 * time.Millisecond} }},
	)
	srv, _ := app.Listen(loop, "127.0.0.1:0", nil)
	url := "http://" + srv.Addr()

	go func() {
		defer loop.AddCallback(func() { srv.Close(); loop.Stop() })
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		for _, path := range []string{"/hello/gopher", "/page/7", "/nowhere"} {
			resp, err := client.Get(url + path)
			if err != nil {
				fmt.Println(err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			fmt.Printf("%s: %s %q\n", path, resp.Status, body)
		}
	}()
	_ = loop.Start()
	// Output:
	// /hello/gopher: 200 OK "Hello, gopher"
	// /page/7: 200 OK "page 7\n"
	// /nowhere: 404 Not Found "<html><title>404: Not Found</title><body>404: Not Found</body></html>"
}
