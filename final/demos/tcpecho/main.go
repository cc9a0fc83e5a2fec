// Command tcpecho is Tornado's demos/tcpecho on gornado's final packages: a
// line echo server on a loop per core, and a client.
//
//	go run ./final/demos/tcpecho serve -addr 127.0.0.1:8888 -loops 0
//	go run ./final/demos/tcpecho client -addr 127.0.0.1:8888 hello world
package main

import (
	"os"

	"github.com/gornado/gornado/final/demos/tcpecho/echo"
)

func main() { os.Exit(echo.Main(os.Args[1:], os.Stdout, os.Stderr)) }
