package testscripts

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gornado/gornado/stage6-web/chat"
	"github.com/gornado/gornado/stage6-web/web"
)

func init() {
	commands["stage6-chat"] = func() { os.Exit(chat.ChatMain(os.Args[1:], os.Stdout, os.Stderr)) }
	commands["stage6-pages"] = func() { os.Exit(web.PagesMain(os.Args[1:], os.Stdout, os.Stderr)) }
	commands["stage6-chatclient"] = func() { os.Exit(chatClient(os.Args[1:])) }
}

// chatClient plays a browser of the chat demo, for the scripts:
//
//	stage6-chatclient post URL BODY    post a message, print the JSON answer
//	stage6-chatclient poll URL CURSOR  long-poll once, print the JSON answer
//	stage6-chatclient ws URL BODY      open /chatsocket, print the history,
//	                                   send BODY, print the echo, close
func chatClient(args []string) int {
	if len(args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: stage6-chatclient post|poll|ws URL ARG")
		return 2
	}
	mode, base, arg := args[0], args[1], args[2]
	var err error
	switch mode {
	case "post":
		err = postForm(base+"/a/message/new", url.Values{"body": {arg}})
	case "poll":
		err = postForm(base+"/a/message/updates", url.Values{"cursor": {arg}})
	case "ws":
		err = chatSocket(strings.TrimPrefix(base, "http://"), arg)
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stage6-chatclient:", err)
		return 1
	}
	return 0
}

func postForm(u string, form url.Values) error {
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.PostForm(u, form)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	fmt.Printf("%d %s\n", resp.StatusCode, body)
	return err
}

// chatSocket is a WebSocket client just big enough for the chat.
func chatSocket(addr, body string) error {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "GET /chatsocket HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", addr)
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, &http.Request{Method: "GET"})
	if err != nil {
		return err
	}
	fmt.Println(resp.Status)
	recv := func() (byte, []byte, error) {
		var head [2]byte
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return 0, nil, err
		}
		n := int(head[1] & 0x7f)
		if n == 126 {
			var ext [2]byte
			if _, err := io.ReadFull(r, ext[:]); err != nil {
				return 0, nil, err
			}
			n = int(binary.BigEndian.Uint16(ext[:]))
		}
		data := make([]byte, n)
		_, err := io.ReadFull(r, data)
		return head[0] & 0x0f, data, err
	}
	send := func(opcode byte, payload []byte) error {
		if len(payload) > 125 {
			return fmt.Errorf("message too long for this client")
		}
		key := []byte{7, 7, 7, 7}
		frame := append([]byte{0x80 | opcode, 0x80 | byte(len(payload))}, key...)
		for i, c := range payload {
			frame = append(frame, c^key[i%4])
		}
		_, err := conn.Write(frame)
		return err
	}
	_, history, err := recv()
	if err != nil {
		return err
	}
	fmt.Printf("history %s\n", history)
	if err := send(1, []byte(fmt.Sprintf(`{"body": %q}`, body))); err != nil {
		return err
	}
	_, echo, err := recv()
	if err != nil {
		return err
	}
	fmt.Printf("pushed %s\n", echo)
	if err := send(8, []byte{0x03, 0xe8}); err != nil {
		return err
	}
	op, data, err := recv()
	if err != nil {
		return err
	}
	fmt.Printf("close frame %d, code %d\n", op, binary.BigEndian.Uint16(data))
	return nil
}
