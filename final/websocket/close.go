// Close frames: status codes (RFC 6455, section 7.4) and the body of a
// Close frame, a 2-byte code then a UTF-8 reason (section 5.5.1).

package websocket

import (
	"encoding/binary"
	"unicode/utf8"
)

// Close codes of RFC 6455 section 7.4.1 and the IANA registry.
const (
	CloseNormalClosure     = 1000
	CloseGoingAway         = 1001
	CloseProtocolError     = 1002
	CloseUnsupportedData   = 1003
	CloseNoStatusReceived  = 1005 // never sent: "no status code was actually present"
	CloseAbnormalClosure   = 1006 // never sent: closed without a Close frame
	CloseInvalidPayload    = 1007
	ClosePolicyViolation   = 1008
	CloseMessageTooBig     = 1009
	CloseMandatoryExt      = 1010
	CloseInternalError     = 1011
	CloseServiceRestart    = 1012
	CloseTryAgainLater     = 1013
	CloseBadGateway        = 1014
	CloseTLSHandshake      = 1015 // never sent
	maxCloseReasonLen      = MaxControlPayload - 2
	closeCodeRegisteredMax = 1014
)

// ValidCloseCode reports whether code may appear in a Close frame. 1000-1003
// and 1007-1014 are defined (1012-1014 by IANA); 1004 is reserved, and 1005,
// 1006 and 1015 "MUST NOT be set as a status code in a Close control frame"
// (section 7.4.1); the rest of 1000-2999 is reserved for the protocol and
// its extensions, 3000-4999 belong to libraries and applications (section
// 7.4.2), and codes below 1000 or from 5000 are not used.
func ValidCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003:
		return true
	case code >= 1007 && code <= closeCodeRegisteredMax:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// ParseClosePayload returns the code and reason of a Close frame body. An
// empty body means no code (1005, section 7.1.5); a one-byte body, an
// invalid code (1002) and a reason that is not UTF-8 (1007) are errors.
func ParseClosePayload(p []byte) (code int, reason string, err error) {
	switch len(p) {
	case 0:
		return CloseNoStatusReceived, "", nil
	case 1:
		return 0, "", protocolError(CloseProtocolError, ErrClosePayload)
	}
	code = int(binary.BigEndian.Uint16(p))
	if !ValidCloseCode(code) {
		return code, "", protocolError(CloseProtocolError, ErrInvalidCloseCode)
	}
	if !utf8.Valid(p[2:]) {
		return code, "", protocolError(CloseInvalidPayload, ErrInvalidUTF8)
	}
	return code, string(p[2:]), nil
}

// AppendClosePayload appends a Close frame body: nothing when code is 0 or
// 1005 (no status), else the code and the reason cut to the 123 bytes a
// control frame leaves for it (at a code point boundary).
func AppendClosePayload(dst []byte, code int, reason string) []byte {
	if code == 0 || code == CloseNoStatusReceived {
		return dst
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(code))
	if len(reason) > maxCloseReasonLen {
		cut := maxCloseReasonLen
		for cut > 0 && !utf8.RuneStart(reason[cut]) {
			cut--
		}
		reason = reason[:cut]
	}
	return append(dst, reason...)
}
