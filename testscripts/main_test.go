// Package testscripts runs the project's programs end to end, as a reader would
// run them from a shell: every *.txtar file in this folder is a script for
// go-internal's testscript (https://pkg.go.dev/github.com/rogpeppe/go-internal/testscript).
//
// Each demo of the project is registered below as a command, so a script can
// `exec stage1-crawl -n 5` and the demo runs as a real process: its own pid,
// its own stdout, killed with `kill` and reaped with `wait`. The commands live
// in the map `commands`; a stage adds its own in a file of its own
// (stage1_test.go, stage2_test.go, ...) with an init function, so that stages
// never edit the same file.
//
// Scripts never touch the outside network: servers listen on 127.0.0.1:0 and
// write the address they got to a file, which the built-in `waitfile` reads.
package testscripts

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// commands maps a script command name to the program it runs. Each function is
// a whole program: it parses os.Args and ends with os.Exit.
var commands = map[string]func(){}

func TestMain(m *testing.M) {
	testscript.Main(m, commands)
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 ".",
		RequireExplicitExec: true,
		Cmds:                builtins,
		Setup: func(env *testscript.Env) error {
			// Demos print where they listen; keep proxies from interfering with
			// loopback requests made by httpget.
			env.Setenv("NO_PROXY", "*")
			return nil
		},
	})
}
