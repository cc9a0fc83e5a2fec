// Command helloworld is Tornado's demos/helloworld on gornado's final
// packages: "Hello, world" from an HTTPServer on a loop per core.
//
//	go run ./final/demos/helloworld -addr 127.0.0.1:8888
package main

import (
	"os"

	"github.com/gornado/gornado/final/demos/helloworld/app"
)

func main() { os.Exit(app.Main(os.Args[1:], os.Stdout, os.Stderr)) }
