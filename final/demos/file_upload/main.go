// Command file_upload is Tornado's demos/file_upload on final/web: a
// multipart upload parsed as it streams in, so that a large file never
// sits whole in memory, and a PUT that counts the bytes it receives (and
// saves them under -dir). Neither blocks its loop on the disk: the body
// waits for each piece's write (back-pressure).
//
//	go run ./final/demos/file_upload -addr 127.0.0.1:8888
package main

import (
	"os"

	"github.com/gornado/gornado/final/demos/file_upload/uploadapp"
)

func main() { os.Exit(uploadapp.Main(os.Args[1:], os.Stdout, os.Stderr)) }
