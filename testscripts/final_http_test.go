package testscripts

import (
	"os"

	"github.com/gornado/gornado/final/demos/fetch/fetchapp"
	"github.com/gornado/gornado/final/demos/helloworld/app"
)

// final/'s HTTP demos, run as commands by final_helloworld.txtar and
// final_fetch.txtar.
func init() {
	commands["helloworld"] = func() { os.Exit(app.Main(os.Args[1:], os.Stdout, os.Stderr)) }
	commands["fetch"] = func() { os.Exit(fetchapp.Main(os.Args[1:], os.Stdout, os.Stderr)) }
}
