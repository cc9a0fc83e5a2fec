// Command crawl fetches pages from the local workload server with one
// coroutine per page, all on one loop: stage 4's crawl.
package main

import (
	"os"

	"github.com/gornado/gornado/stage4-coroutines"
)

func main() { os.Exit(coroutines.CrawlMain(os.Args[1:], os.Stdout, os.Stderr)) }
