package httpclient_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gornado/gornado/final/httpclient"
)

// The blocking client, as in Tornado's HTTPClient().fetch(url).
func ExampleHTTPClient() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "Hello, world")
	}))
	defer srv.Close()

	client, _ := httpclient.NewHTTPClient()
	defer client.Close()
	resp, err := client.FetchURL(srv.URL)
	if err != nil {
		fmt.Println("Error:", err)
		return
	}
	fmt.Println(resp.Code, string(resp.Body))
	// Output: 200 Hello, world
}
