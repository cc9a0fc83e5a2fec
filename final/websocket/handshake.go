// The opening handshake (RFC 6455, section 4): checking a client's request
// and computing the server's answer, building a client's request and
// checking the server's answer, and the helpers for subprotocols and
// origins that Tornado's WebSocketHandler offers.

package websocket

import (
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"

	"github.com/gornado/gornado/final/httputil"
)

// acceptGUID is the "globally unique identifier" of section 1.3.
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// SupportedVersion is the protocol version this package speaks (section
// 4.1: "The value of this header field MUST be 13").
const SupportedVersion = "13"

// HandshakeError is a refused opening handshake. On a server, Status is the
// response to send (400, 403, 405 or 426) and Header the fields to add to it
// (Sec-WebSocket-Version on a 426, section 4.4); on a client, Status is the
// status the server answered with, or 0 when the answer was malformed.
type HandshakeError struct {
	// Status is the HTTP status code.
	Status int
	// Msg describes the failure, package-prefixed.
	Msg string
	// Header holds name, value pairs to add to the response.
	Header []string
}

// Error returns Msg.
func (e *HandshakeError) Error() string { return e.Msg }

// Unwrap returns ErrBadHandshake, so that errors.Is(err, ErrBadHandshake)
// matches every HandshakeError.
func (e *HandshakeError) Unwrap() error { return ErrBadHandshake }

// ComputeAcceptKey returns Sec-WebSocket-Accept for a Sec-WebSocket-Key:
// "the base64-encoded SHA-1 of the concatenation of the |Sec-WebSocket-Key|
// (as a string, not base64-decoded) with the string
// "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"" (section 4.2.2).
func ComputeAcceptKey(key string) string {
	h := sha1.New()
	h.Write([]byte(key))
	h.Write([]byte(acceptGUID))
	var sum [sha1.Size]byte
	return base64.StdEncoding.EncodeToString(h.Sum(sum[:0]))
}

// ValidKey reports whether key is a Sec-WebSocket-Key: "a nonce consisting
// of a randomly selected 16-byte value that has been base64-encoded"
// (section 4.1), 24 characters of standard base64 with padding.
func ValidKey(key string) bool {
	if len(key) != 24 {
		return false
	}
	var b [18]byte
	n, err := base64.StdEncoding.Decode(b[:], []byte(key))
	return err == nil && n == 16
}

// NewKey returns a fresh Sec-WebSocket-Key for a client's request.
func NewKey() string {
	var b [16]byte
	newSeed(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// HasToken reports whether any value of the header field name holds token
// in its comma-separated list, compared case-insensitively, as Connection
// and Upgrade are (section 4.2.1).
func HasToken(h *httputil.HTTPHeaders, name, token string) bool {
	for v := range h.Values(name) {
		for len(v) > 0 {
			var elem []byte
			if i := indexByte(v, ','); i >= 0 {
				elem, v = v[:i], v[i+1:]
			} else {
				elem, v = v, nil
			}
			if strings.EqualFold(strings.TrimSpace(string(elem)), token) {
				return true
			}
		}
	}
	return false
}

// indexByte is bytes.IndexByte, kept local to spare an import.
func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// CheckRequest checks a client's opening handshake (section 4.2.1) and
// returns its Sec-WebSocket-Key, or a *HandshakeError with the status to
// answer. The order of checks and the messages follow Tornado's
// WebSocketHandler.get: Upgrade, Connection, then the version (426 naming
// the supported version), then the key. Origin and subprotocols are the
// application's (CheckOrigin, Subprotocols).
func CheckRequest(method string, h *httputil.HTTPHeaders) (key string, err error) {
	if method != "GET" {
		return "", &HandshakeError{Status: 405, Msg: "websocket: handshake method must be GET", Header: []string{"Allow", "GET"}}
	}
	if !HasToken(h, "Upgrade", "websocket") {
		return "", &HandshakeError{Status: 400, Msg: `websocket: can "Upgrade" only to "WebSocket"`}
	}
	if !HasToken(h, "Connection", "upgrade") {
		return "", &HandshakeError{Status: 400, Msg: `websocket: "Connection" must be "Upgrade"`}
	}
	if strings.TrimSpace(h.Get("Sec-WebSocket-Version")) != SupportedVersion {
		return "", &HandshakeError{Status: 426, Msg: "websocket: unsupported Sec-WebSocket-Version",
			Header: []string{"Sec-WebSocket-Version", SupportedVersion}}
	}
	key = strings.TrimSpace(h.Get("Sec-WebSocket-Key"))
	if !ValidKey(key) {
		return "", &HandshakeError{Status: 400, Msg: "websocket: missing or invalid Sec-WebSocket-Key"}
	}
	return key, nil
}

// Subprotocols returns the subprotocols a client offers in
// Sec-WebSocket-Protocol, in its order of preference (section 4.1), as
// Tornado passes them to select_subprotocol.
func Subprotocols(h *httputil.HTTPHeaders) []string {
	var out []string
	for v := range h.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(string(v), ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// CheckOrigin is Tornado's default check_origin: it accepts an Origin whose
// host and port equal the request's Host, case-insensitively, so that a page
// from another site cannot open a WebSocket with the user's cookies
// (section 10.2). A missing Origin (a non-browser client) is accepted by
// the caller before asking.
func CheckOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Host, host)
}

// AppendResponse appends the server's 101 response (section 4.2.2) for a
// request with key, naming the chosen subprotocol and extensions when not
// empty.
func AppendResponse(dst []byte, key, subprotocol, extensions string) []byte {
	dst = append(dst, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	dst = append(dst, ComputeAcceptKey(key)...)
	dst = append(dst, "\r\n"...)
	if subprotocol != "" {
		dst = append(dst, "Sec-WebSocket-Protocol: "+subprotocol+"\r\n"...)
	}
	if extensions != "" {
		dst = append(dst, "Sec-WebSocket-Extensions: "+extensions+"\r\n"...)
	}
	return append(dst, "\r\n"...)
}

// AppendErrorResponse appends the refusal of a handshake for a
// *HandshakeError, with a plain-text body and Connection: close.
func AppendErrorResponse(dst []byte, e *HandshakeError) []byte {
	body := e.Msg + "\n"
	dst = append(dst, "HTTP/1.1 "+strconv.Itoa(e.Status)+" "+statusText(e.Status)+"\r\n"...)
	for i := 0; i+1 < len(e.Header); i += 2 {
		dst = append(dst, e.Header[i]+": "+e.Header[i+1]+"\r\n"...)
	}
	dst = append(dst, "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"...)
	return append(dst, body...)
}

// statusText names the statuses a handshake is refused with.
func statusText(code int) string {
	switch code {
	case 400:
		return "Bad Request"
	case 403:
		return "Forbidden"
	case 405:
		return "Method Not Allowed"
	case 426:
		return "Upgrade Required"
	}
	return "Error"
}

// ClientRequest describes a client's opening handshake.
type ClientRequest struct {
	// Host is the Host field: host, with ":port" unless the default.
	Host string
	// Path is the request-target: path and query, "/" when empty.
	Path string
	// Key is the Sec-WebSocket-Key (NewKey).
	Key string
	// Origin is sent when not empty.
	Origin string
	// Subprotocols are offered in order when not empty.
	Subprotocols []string
	// Extensions is the Sec-WebSocket-Extensions offer, if any.
	Extensions string
	// Header holds extra name, value pairs.
	Header []string
}

// AppendRequest appends the client's handshake request (section 4.1).
func AppendRequest(dst []byte, r *ClientRequest) []byte {
	path := r.Path
	if path == "" {
		path = "/"
	}
	dst = append(dst, "GET "+path+" HTTP/1.1\r\nHost: "+r.Host+
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "+r.Key+
		"\r\nSec-WebSocket-Version: 13\r\n"...)
	if r.Origin != "" {
		dst = append(dst, "Origin: "+r.Origin+"\r\n"...)
	}
	if len(r.Subprotocols) > 0 {
		dst = append(dst, "Sec-WebSocket-Protocol: "+strings.Join(r.Subprotocols, ", ")+"\r\n"...)
	}
	if r.Extensions != "" {
		dst = append(dst, "Sec-WebSocket-Extensions: "+r.Extensions+"\r\n"...)
	}
	for i := 0; i+1 < len(r.Header); i += 2 {
		dst = append(dst, r.Header[i]+": "+r.Header[i+1]+"\r\n"...)
	}
	return append(dst, "\r\n"...)
}

// CheckResponse checks a server's answer to a request with key (section
// 4.1, "If the server's response does not conform ... the client MUST _Fail
// the WebSocket Connection_"): status 101, Upgrade and Connection tokens, the
// accept key, and a subprotocol among those offered. It returns the chosen
// subprotocol.
func CheckResponse(status int, h *httputil.HTTPHeaders, key string, offered []string) (subprotocol string, err error) {
	if status != 101 {
		return "", &HandshakeError{Status: status, Msg: "websocket: handshake answered with status " + strconv.Itoa(status)}
	}
	if !HasToken(h, "Upgrade", "websocket") || !HasToken(h, "Connection", "upgrade") {
		return "", &HandshakeError{Status: status, Msg: "websocket: handshake response lacks Upgrade: websocket or Connection: Upgrade"}
	}
	if strings.TrimSpace(h.Get("Sec-WebSocket-Accept")) != ComputeAcceptKey(key) {
		return "", &HandshakeError{Status: status, Msg: "websocket: wrong Sec-WebSocket-Accept"}
	}
	if h.Has("Sec-WebSocket-Protocol") {
		subprotocol = strings.TrimSpace(h.Get("Sec-WebSocket-Protocol"))
		found := false
		for _, p := range offered {
			found = found || p == subprotocol
		}
		if !found {
			return "", &HandshakeError{Status: status, Msg: "websocket: server chose a subprotocol that was not offered"}
		}
	}
	return subprotocol, nil
}
