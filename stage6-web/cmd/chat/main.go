// Command chat runs stage 6's chat demo on 127.0.0.1:8888 and prints its URL.
package main

import (
	"os"

	"github.com/gornado/gornado/stage6-web/chat"
)

func main() { os.Exit(chat.ChatMain(os.Args[1:], os.Stdout, os.Stderr)) }
