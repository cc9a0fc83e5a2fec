package testscripts

import (
	"os"

	"github.com/gornado/gornado/final/demos/chat/chatapp"
	"github.com/gornado/gornado/final/demos/file_upload/uploadapp"
	"github.com/gornado/gornado/final/demos/websocket/echoapp"
	"github.com/gornado/gornado/final/demos/webspider/spider"
)

// final/web's demos, run as commands by final_chat.txtar,
// final_websocket.txtar, final_webspider.txtar and final_file_upload.txtar.
func init() {
	commands["chat"] = func() { os.Exit(chatapp.Main(os.Args[1:], os.Stdout, os.Stderr)) }
	commands["websocket"] = func() { os.Exit(echoapp.Main(os.Args[1:], os.Stdout, os.Stderr)) }
	commands["webspider"] = func() { os.Exit(spider.Main(os.Args[1:], os.Stdout, os.Stderr)) }
	commands["file_upload"] = func() { os.Exit(uploadapp.Main(os.Args[1:], os.Stdout, os.Stderr)) }
}
