// Command crawl fetches pages from the local workload server one after another
// and prints how long that took: stage1's baseline.
package main

import (
	"os"

	blocking "github.com/gornado/gornado/stage1-blocking"
)

func main() { os.Exit(blocking.CrawlMain(os.Args[1:], os.Stdout, os.Stderr)) }
