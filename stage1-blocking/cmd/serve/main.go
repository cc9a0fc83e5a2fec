// Command serve runs stage1's blocking web server and prints its URL.
package main

import (
	"os"

	blocking "github.com/gornado/gornado/stage1-blocking"
)

func main() { os.Exit(blocking.ServeMain(os.Args[1:], os.Stdout, os.Stderr)) }
