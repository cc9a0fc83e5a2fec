// Command crawl fetches pages from the workload server with Futures on one
// goroutine: go run ./stage3-futures/cmd/crawl -n 10 -delay 50ms
package main

import (
	"os"

	futures "github.com/gornado/gornado/stage3-futures"
)

func main() { os.Exit(futures.CrawlMain(os.Args[1:], os.Stdout, os.Stderr)) }
