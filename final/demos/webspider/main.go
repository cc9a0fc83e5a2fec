// Command webspider is Tornado's demos/webspider on gornado's final
// packages: a crawler with a queue of URLs and a fixed number of workers,
// fetching the one workload's pages (started in-process) or, with -url, a
// site of your own, following its links.
//
//	go run ./final/demos/webspider -pages 50 -concurrency 10
package main

import (
	"os"

	"github.com/gornado/gornado/final/demos/webspider/spider"
)

func main() { os.Exit(spider.Main(os.Args[1:], os.Stdout, os.Stderr)) }
