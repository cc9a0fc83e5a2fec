package testscripts

import (
	"os"

	futures "github.com/gornado/gornado/stage3-futures"
)

func init() {
	commands["stage3-crawl"] = func() { os.Exit(futures.CrawlMain(os.Args[1:], os.Stdout, os.Stderr)) }
}
