// Command plot redraws a run's SVG charts and Markdown tables from its JSON
// file, with no plotting dependency:
//
//	go run ./cmd/plot results/2026-11-25T1930.json
//
// writes results/2026-11-25T1930/<workload>.svg and results/2026-11-25T1930.md.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/gornado/gornado/bench/internal/report"
	"github.com/gornado/gornado/bench/internal/results"
)

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: plot RESULTS.json...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	for _, in := range flag.Args() {
		run, err := results.Load(in)
		if err != nil {
			log.Fatal(err)
		}
		paths, err := report.Write(run, strings.TrimSuffix(in, ".json"))
		if err != nil {
			log.Fatal(err)
		}
		for _, p := range paths {
			fmt.Println(p)
		}
	}
}
