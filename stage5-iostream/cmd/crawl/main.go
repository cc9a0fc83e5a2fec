// Command crawl fetches pages from the local workload server over IOStreams on
// the real IOLoop, one coroutine per page: stage 5's crawl. With -broken it
// uses the seed's "very simple (and broken) HTTP client" instead.
package main

import (
	"os"

	"github.com/gornado/gornado/stage5-iostream/iostream"
)

func main() { os.Exit(iostream.CrawlMain(os.Args[1:], os.Stdout, os.Stderr)) }
