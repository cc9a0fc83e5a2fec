package testscripts

import (
	"os"

	"github.com/gornado/gornado/stage5-iostream/iostream"
)

func init() {
	commands["stage5-crawl"] = func() { os.Exit(iostream.CrawlMain(os.Args[1:], os.Stdout, os.Stderr)) }
}
