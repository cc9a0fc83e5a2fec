package httputil

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	nhu "net/http/httputil"
	"net/url"
	"strings"
	"testing"
)

// requestSummary is everything a parse decides, for comparing parses.
func requestSummary(n int, err error, r *RequestHead) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return fmt.Sprintf("n=%d %s %q %v host=%q framing=%v cl=%d keep=%v exp=%v up=%v abs=%v\n%s",
		n, r.Method, r.Target, r.Version, r.Host, r.Framing, r.ContentLength, r.KeepAlive,
		r.Expect100, r.Upgrade, r.AbsoluteForm, r.Headers.String())
}

// parseInPieces parses data fed in the given pieces.
func parseInPieces(data []byte, cuts []int) string {
	var p RequestParser
	var r RequestHead
	prev := 0
	for _, c := range append(cuts, len(data)) {
		n, err := p.Parse(data[:c], &r)
		prev = c
		if errors.Is(err, ErrNeedMore) {
			continue
		}
		return requestSummary(n, err, &r)
	}
	_ = prev
	return "incomplete"
}

func FuzzRequestHead(f *testing.F) {
	for _, c := range hostileCases {
		if len(c.input) < 4096 {
			f.Add([]byte(c.input), uint16(7))
		}
	}
	f.Add([]byte(browserRequest), uint16(100))
	f.Add([]byte(browserRequest[:100]), uint16(50)) // incomplete: ErrNeedMore
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		whole := parseInPieces(data, nil)
		if len(data) > 0 {
			c := int(cut) % len(data)
			if split := parseInPieces(data, []int{c}); split != whole {
				t.Fatalf("split at %d differs:\n%s\nwhole:\n%s", c, split, whole)
			}
		}
		if len(data) <= 512 {
			cuts := make([]int, 0, len(data))
			for i := 1; i < len(data); i++ {
				cuts = append(cuts, i)
			}
			if bb := parseInPieces(data, cuts); bb != whole {
				t.Fatalf("byte by byte differs:\n%s\nwhole:\n%s", bb, whole)
			}
		}

		var p RequestParser
		var r RequestHead
		n, err := p.Parse(data, &r)
		if errors.Is(err, ErrNeedMore) {
			return
		}
		if err != nil {
			var ie *HTTPInputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an *HTTPInputError", err)
			}
			return
		}
		// Invariants of an accepted head.
		if n > len(data) || n < 4 || string(data[n-4:n]) != "\r\n\r\n" {
			t.Fatalf("n=%d does not end a head", n)
		}
		for i := 0; i < r.Headers.Len(); i++ {
			name, value := r.Headers.At(i)
			if !isToken(name) || !validValue(value) || bytes.ContainsAny(value, "\r\n\x00") {
				t.Fatalf("bad field accepted: %q: %q", name, value)
			}
		}
		if r.Framing == FramingChunked && r.Headers.Has("Content-Length") {
			t.Fatal("chunked with Content-Length accepted")
		}
		if r.Version == HTTP11 && len(r.Headers.GetList("Host")) != 1 {
			t.Fatal("HTTP/1.1 without exactly one Host accepted")
		}

		// Differential against net/http: when both accept, they must agree
		// on where the body ends and whether the connection stays open.
		hr, herr := http.ReadRequest(bufio.NewReader(bytes.NewReader(data[:n])))
		if herr != nil {
			return // net/http is stricter here (for example on URL escapes)
		}
		switch r.Framing {
		case FramingChunked:
			if len(hr.TransferEncoding) != 1 || hr.TransferEncoding[0] != "chunked" {
				t.Fatalf("we say chunked, net/http says %v / %d", hr.TransferEncoding, hr.ContentLength)
			}
		case FramingLength:
			if hr.ContentLength != r.ContentLength || len(hr.TransferEncoding) != 0 {
				t.Fatalf("we say length %d, net/http says %d %v", r.ContentLength, hr.ContentLength, hr.TransferEncoding)
			}
		case FramingNone:
			if hr.ContentLength > 0 || len(hr.TransferEncoding) != 0 {
				t.Fatalf("we say no body, net/http says %d %v", hr.ContentLength, hr.TransferEncoding)
			}
		}
		if hr.Close == r.KeepAlive {
			t.Fatalf("keep-alive: we say %v, net/http Close=%v", r.KeepAlive, hr.Close)
		}
	})
}

func FuzzResponseHead(f *testing.F) {
	for _, c := range responseCases {
		f.Add([]byte(c.input), c.method == "HEAD", uint16(5))
	}
	f.Fuzz(func(t *testing.T, data []byte, head bool, cut uint16) {
		method := "GET"
		if head {
			method = "HEAD"
		}
		parse := func(cuts []int) string {
			var p ResponseParser
			var r ResponseHead
			for _, c := range append(cuts, len(data)) {
				n, err := p.Parse(data[:c], method, &r)
				if errors.Is(err, ErrNeedMore) {
					continue
				}
				if err != nil {
					var ie *HTTPInputError
					if !errors.As(err, &ie) {
						t.Fatalf("error %v is not an *HTTPInputError", err)
					}
					return "error: " + err.Error()
				}
				if n > len(data) {
					t.Fatalf("n=%d beyond input", n)
				}
				return fmt.Sprintf("n=%d %v %d %q %v %d %v\n%s", n, r.Version, r.StatusCode, r.Reason,
					r.Framing, r.ContentLength, r.KeepAlive, r.Headers.String())
			}
			return "incomplete"
		}
		whole := parse(nil)
		if len(data) > 0 {
			if split := parse([]int{int(cut) % len(data)}); split != whole {
				t.Fatalf("split differs:\n%s\nwhole:\n%s", split, whole)
			}
		}
		if len(data) <= 512 {
			var cuts []int
			for i := 1; i < len(data); i++ {
				cuts = append(cuts, i)
			}
			if bb := parse(cuts); bb != whole {
				t.Fatalf("byte by byte differs:\n%s\nwhole:\n%s", bb, whole)
			}
		}
	})
}

// decodeAllChunked decodes data fed in pieces and summarises the result.
func decodeAllChunked(t *testing.T, data []byte, cuts []int) (string, []byte) {
	var d ChunkedDecoder
	var out []byte
	total, prev := 0, 0
	for _, c := range append(cuts, len(data)) {
		src := data[prev:c]
		prev = c
		for len(src) > 0 {
			n, chunk, err := d.Decode(src)
			if n > len(src) || len(chunk) > n {
				t.Fatalf("n=%d data=%d of %d", n, len(chunk), len(src))
			}
			out = append(out, chunk...)
			total += n
			src = src[n:]
			if err == io.EOF {
				return fmt.Sprintf("done n=%d %q\n%s", total, out, d.Trailers().String()), out
			}
			if err != nil {
				var ie *HTTPInputError
				if !errors.As(err, &ie) {
					t.Fatalf("error %v is not an *HTTPInputError", err)
				}
				return "error: " + err.Error(), nil
			}
			if n == 0 {
				t.Fatal("no progress")
			}
		}
	}
	return fmt.Sprintf("incomplete %q", out), nil
}

func FuzzChunked(f *testing.F) {
	for _, c := range chunkedCases {
		if len(c.input) < 4096 {
			f.Add([]byte(c.input), uint16(3))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		whole, body := decodeAllChunked(t, data, nil)
		if len(data) > 0 {
			if split, _ := decodeAllChunked(t, data, []int{int(cut) % len(data)}); split != whole {
				t.Fatalf("split differs:\n%s\nwhole:\n%s", split, whole)
			}
		}
		if len(data) <= 512 {
			var cuts []int
			for i := 1; i < len(data); i++ {
				cuts = append(cuts, i)
			}
			if bb, _ := decodeAllChunked(t, data, cuts); bb != whole {
				t.Fatalf("byte by byte differs:\n%s\nwhole:\n%s", bb, whole)
			}
		}
		if !strings.HasPrefix(whole, "done") {
			return
		}
		// Re-encoding what was decoded decodes to the same bytes.
		enc := AppendLastChunk(AppendChunk(nil, body), nil)
		if again, body2 := decodeAllChunked(t, enc, nil); !strings.HasPrefix(again, "done") || !bytes.Equal(body, body2) {
			t.Fatalf("round trip: %s", again)
		}
		// Differential: Go's chunked reader, where it accepts, reads the
		// same data.
		theirs, err := io.ReadAll(nhu.NewChunkedReader(bytes.NewReader(data)))
		if err == nil && !bytes.Equal(theirs, body) {
			t.Fatalf("net/http reads %q, we read %q", theirs, body)
		}
	})
}

func FuzzMultipart(f *testing.F) {
	disp := "Content-Disposition: form-data; name=\"a\"\r\n\r\nb"
	f.Add("1234", []byte(multipartBody("1234", disp, "Content-Disposition: form-data; name=\"f\"; filename=\"x\"\r\nContent-Type: text/plain\r\n\r\nfile")))
	f.Add(`"q"`, []byte(multipartBody("q", disp)))
	f.Add("b", []byte("--b--"))
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		args, files := url.Values{}, map[string][]HTTPFile{}
		err := ParseBodyArguments("multipart/form-data; boundary="+boundary, body, args, files)
		if err != nil {
			var ie *HTTPInputError
			if !errors.As(err, &ie) || ie.Status != 400 {
				t.Fatalf("error %v is not a 400 *HTTPInputError", err)
			}
			return
		}
		parts := 0
		for _, v := range args {
			parts += len(v)
		}
		for _, fs := range files {
			parts += len(fs)
			for _, f := range fs {
				if f.Filename == "" || !bytes.Contains(body, f.Body) {
					t.Fatalf("bad file %+v", f)
				}
			}
		}
		if parts > DefaultMaxParts {
			t.Fatalf("%d parts accepted", parts)
		}
	})
}

// pyUnquoteCookie is Tornado's _unquote_cookie transcribed literally, with
// its two independent pattern searches per step (quadratic, fine for
// fuzzing), as the reference for unquoteCookie.
func pyUnquoteCookie(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	s = s[1 : len(s)-1]
	octal := func(i int) int { // _OctalPatt = r"\\[0-3][0-7][0-7]"
		for j := i; j+3 < len(s); j++ {
			if s[j] == '\\' && s[j+1] >= '0' && s[j+1] <= '3' && isOctal(s[j+2]) && isOctal(s[j+3]) {
				return j
			}
		}
		return -1
	}
	quote := func(i int) int { // _QuotePatt = r"[\\]."
		for j := i; j+1 < len(s); j++ {
			if s[j] == '\\' && s[j+1] != '\n' {
				return j
			}
		}
		return -1
	}
	var res strings.Builder
	i := 0
	for i >= 0 && i < len(s) {
		j, k := octal(i), quote(i)
		if j < 0 && k < 0 {
			res.WriteString(s[i:])
			break
		}
		if k >= 0 && (j < 0 || k < j) {
			res.WriteString(s[i:k])
			res.WriteByte(s[k+1])
			i = k + 2
		} else {
			res.WriteString(s[i:j])
			res.WriteByte((s[j+1]-'0')<<6 | (s[j+2]-'0')<<3 | (s[j+3] - '0'))
			i = j + 4
		}
	}
	return res.String()
}

func FuzzCookie(f *testing.F) {
	f.Add(`keebler="E=mc2; L=\"Loves\"; fudge=\012;"`)
	f.Add(`a="\\\101\"\` + "\n" + `"; b=c`)
	f.Add("  =  b  ;  ;  =  ;   c  =  ;  ")
	f.Fuzz(func(t *testing.T, header string) {
		got := ParseCookie(header)
		for _, chunk := range strings.Split(header, ";") {
			key, val := "", chunk
			if i := strings.IndexByte(chunk, '='); i >= 0 {
				key, val = chunk[:i], chunk[i+1:]
			}
			key, val = trimPySpace(key), trimPySpace(val)
			if key == "" && val == "" {
				continue
			}
			if _, ok := got[key]; !ok {
				t.Fatalf("cookie %q missing", key)
			}
		}
		// Compare the unquoting of every value with the reference.
		for _, chunk := range strings.Split(header, ";") {
			v := chunk
			if i := strings.IndexByte(chunk, '='); i >= 0 {
				v = chunk[i+1:]
			}
			v = trimPySpace(v)
			if a, b := unquoteCookie(v), pyUnquoteCookie(v); a != b {
				t.Fatalf("unquote %q: got %q, Tornado's algorithm gives %q", v, a, b)
			}
		}
	})
}
