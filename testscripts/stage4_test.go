package testscripts

import (
	"os"

	coroutines "github.com/gornado/gornado/stage4-coroutines"
)

func init() {
	commands["stage4-crawl"] = func() { os.Exit(coroutines.CrawlMain(os.Args[1:], os.Stdout, os.Stderr)) }
}
