package chat

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/gornado/gornado/stage5-iostream/ioloop"
	"github.com/gornado/gornado/stage6-web/httpserver"
)

// ChatMain is the chat demo (go run ./stage6-web/cmd/chat): the chat server
// on -addr, printing its URL (and writing it to -addrfile, if given) and a
// line per request, until interrupted. It returns the exit code.
func ChatMain(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("chat", flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", "127.0.0.1:8888", "address to listen on")
	addrFile := flags.String("addrfile", "", "also write the server's URL to this file")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	loop, err := ioloop.New()
	if err != nil {
		fmt.Fprintln(stderr, "chat:", err)
		return 1
	}
	defer loop.Close(true)

	app := NewApplication(NewMessageBuffer(200))
	app.AccessLog = log.New(stdout, "", 0)
	app.ErrorLog = log.New(stderr, "", 0)
	srv, err := app.Listen(loop, *addr, &httpserver.Options{ErrorLog: app.ErrorLog})
	if err != nil {
		fmt.Fprintln(stderr, "chat:", err)
		return 1
	}
	url := "http://" + srv.Addr()
	fmt.Fprintf(stdout, "chat at %s/ (long polling) and %s/?ws (WebSocket)\n", url, url)
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(url+"\n"), 0o644); err != nil {
			fmt.Fprintln(stderr, "chat:", err)
			return 1
		}
	}

	// A signal arrives on a goroutine of its own; AddCallback is how it
	// reaches the loop, which then closes the server and stops.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	defer func() {
		signal.Stop(stop)
		close(stop) // no more signals can come: let the goroutine end
	}()
	go func() {
		if _, ok := <-stop; ok {
			loop.AddCallback(func() {
				srv.Close()
				loop.Stop()
			})
		}
	}()
	if err := loop.Start(); err != nil {
		fmt.Fprintln(stderr, "chat:", err)
		return 1
	}
	fmt.Fprintln(stdout, "chat: stopped")
	return 0
}
