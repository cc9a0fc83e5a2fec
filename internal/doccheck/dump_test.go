package doccheck

import (
	"flag"
	"fmt"
	"testing"
)

var dump = flag.String("dump", "", "print the exported symbols of this package directory (relative to the repo root)")

// TestDump prints a package's symbols when asked: go test ./internal/doccheck -run TestDump -dump final/ioloop
func TestDump(t *testing.T) {
	if *dump == "" {
		t.Skip("no -dump given")
	}
	s, err := LoadSymbols("../../" + *dump)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range s.List() {
		fmt.Println(n)
	}
}
