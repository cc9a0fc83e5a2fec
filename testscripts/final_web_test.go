package testscripts

import (
	"os"

	"github.com/gornado/gornado/final/demos/chat/chatapp"
)

// final/web's demos, run as commands by final_chat.txtar,
// final_websocket.txtar, final_webspider.txtar and final_file_upload.txtar.
func init() {
	commands["chat"] = func() { os.Exit(chatapp.Main(os.Args[1:], os.Stdout, os.Stderr)) }
}
