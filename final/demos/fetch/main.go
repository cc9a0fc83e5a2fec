// Command fetch fetches URLs in parallel with gornado's AsyncHTTPClient and
// prints the status, size and time of each: a small curl.
//
//	go run ./final/demos/fetch http://127.0.0.1:8888/ http://127.0.0.1:8888/json
package main

import (
	"os"

	"github.com/gornado/gornado/final/demos/fetch/fetchapp"
)

func main() { os.Exit(fetchapp.Main(os.Args[1:], os.Stdout, os.Stderr)) }
