package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/gornado/gornado/final/web"
)

// MainHandler is Tornado's hello world handler.
type MainHandler struct{ web.RequestHandler }

// Get answers GET.
func (h *MainHandler) Get(args ...string) error {
	return h.WriteString("Hello, world")
}

// StoryHandler gets the route's group as its argument, and DB from its
// prototype (Tornado's initialize keyword arguments).
type StoryHandler struct {
	web.RequestHandler
	// DB stands for whatever the handler needs.
	DB map[string]string
}

// Get answers GET /story/<id>.
func (h *StoryHandler) Get(args ...string) error {
	story, ok := h.DB[args[0]]
	if !ok {
		return &web.HTTPError{Code: 404}
	}
	return h.Write(map[string]string{"id": args[0], "title": story})
}

// An Application on final/httpserver, Tornado's app.listen.
func Example() {
	app := web.NewApplication([]*web.URLSpec{
		web.URL("/", &MainHandler{}),
		web.URL(`/story/(\d+)`, &StoryHandler{DB: map[string]string{"1": "Once upon a time"}}).Named("story"),
	}, web.Settings{})
	server, err := app.Listen("127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer server.Close()
	base := "http://" + server.Addr("127.0.0.1")

	for _, path := range []string{"/", "/story/1", "/story/2"} {
		resp, err := http.Get(base + path)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(body))
	}
	u, _ := app.ReverseURL("story", 42)
	fmt.Println(u)
	// Output:
	// 200 Hello, world
	// 200 {"id":"1","title":"Once upon a time"}
	// 404 <html><title>404: Not Found</title><body>404: Not Found</body></html>
	// /story/42
}

// An Application is an http.Handler too.
func ExampleApplication_ServeHTTP() {
	app := web.NewApplication([]*web.URLSpec{web.URL("/", &MainHandler{})}, web.Settings{})
	defer app.Close()
	srv := httptest.NewServer(app)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))
	// Output: Hello, world
}
