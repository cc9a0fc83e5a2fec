// Command crawl fetches pages from the workload server with callbacks on one
// goroutine: go run ./stage2-callbacks/cmd/crawl -n 10 -delay 50ms
package main

import (
	"os"

	callbacks "github.com/gornado/gornado/stage2-callbacks"
)

func main() { os.Exit(callbacks.CrawlMain(os.Args[1:], os.Stdout, os.Stderr)) }
