package testscripts

import (
	"os"

	"github.com/gornado/gornado/final/demos/tcpecho/echo"
)

// final/'s demos, run as commands by the final_*.txtar scripts.
func init() {
	commands["tcpecho"] = func() { os.Exit(echo.Main(os.Args[1:], os.Stdout, os.Stderr)) }
}
