package testscripts

import (
	"os"

	callbacks "github.com/gornado/gornado/stage2-callbacks"
)

func init() {
	commands["stage2-crawl"] = func() { os.Exit(callbacks.CrawlMain(os.Args[1:], os.Stdout, os.Stderr)) }
}
