// Command pages serves the path's workload with stage 6's server (or stage
// 1's, with -server stage1) and has -n clients fetch a page each at once.
package main

import (
	"os"

	"github.com/gornado/gornado/stage6-web/web"
)

func main() { os.Exit(web.PagesMain(os.Args[1:], os.Stdout, os.Stderr)) }
