package testscripts

import (
	"os"

	blocking "github.com/gornado/gornado/stage1-blocking"
)

func init() {
	commands["stage1-crawl"] = func() { os.Exit(blocking.CrawlMain(os.Args[1:], os.Stdout, os.Stderr)) }
	commands["stage1-serve"] = func() { os.Exit(blocking.ServeMain(os.Args[1:], os.Stdout, os.Stderr)) }
}
