// Command clientload measures final's AsyncHTTPClient for the bench harness:
// -c requests in flight on one loop, each finished request replaced by the
// next, for -d after -warmup; it prints one JSON line with the rate.
package main

import (
	"os"

	"github.com/gornado/gornado/final/demos/clientload/load"
)

func main() { os.Exit(load.Main(os.Args[1:], os.Stdout, os.Stderr)) }
