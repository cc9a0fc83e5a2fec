// Cookies, signed cookies (Tornado's create_signed_value and
// decode_signed_value, format version 2 with HMAC-SHA256), XSRF tokens
// (masked, version 2), the current user and Authenticated.

package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CookieOptions are the attributes of a cookie SetCookie sends (Tornado's
// set_cookie keyword arguments).
type CookieOptions struct {
	// Domain is the cookie's Domain attribute.
	Domain string
	// Path is its Path; "" means "/".
	Path string
	// Expires sets an expiry date; zero means a session cookie unless
	// ExpiresDays is set.
	Expires time.Time
	// ExpiresDays sets the expiry that many days from now.
	ExpiresDays float64
	// MaxAge sets Max-Age in seconds when positive.
	MaxAge int
	// Secure, HTTPOnly and SameSite ("Lax", "Strict", "None") are the
	// attributes of the same names.
	Secure   bool
	HTTPOnly bool
	SameSite string
}

// GetCookie returns the request's cookie name, or def.
func (rh *RequestHandler) GetCookie(name, def string) string {
	rh.live()
	if v, ok := rh.req.Cookies()[name]; ok {
		return v
	}
	return def
}

// SetCookie adds a Set-Cookie header. A name or value with characters a
// cookie cannot carry is refused with an error, as Tornado raises
// ValueError.
func (rh *RequestHandler) SetCookie(name, value string, opts CookieOptions) error {
	if !rh.live() {
		return ErrFinished
	}
	if rh.headersWritten {
		return ErrHeadersSent
	}
	if name == "" || strings.ContainsAny(name+value, "\x00\r\n;") || strings.ContainsAny(name, " =,\t\"") {
		return fmt.Errorf("web: invalid cookie %q: %q", name, value)
	}
	c := &http.Cookie{Name: name, Value: value, Domain: opts.Domain, Path: opts.Path, Secure: opts.Secure, HttpOnly: opts.HTTPOnly, MaxAge: opts.MaxAge}
	if c.Path == "" {
		c.Path = "/"
	}
	switch {
	case !opts.Expires.IsZero():
		c.Expires = opts.Expires
	case opts.ExpiresDays != 0:
		c.Expires = time.Now().Add(time.Duration(opts.ExpiresDays * float64(24*time.Hour)))
	}
	switch strings.ToLower(opts.SameSite) {
	case "lax":
		c.SameSite = http.SameSiteLaxMode
	case "strict":
		c.SameSite = http.SameSiteStrictMode
	case "none":
		c.SameSite = http.SameSiteNoneMode
	}
	s := c.String()
	if s == "" {
		return fmt.Errorf("web: invalid cookie %q", name)
	}
	rh.headers.Add("Set-Cookie", s)
	return nil
}

// ClearCookie deletes the cookie name by sending it expired (Tornado's
// clear_cookie); Path and Domain must match the ones it was set with.
func (rh *RequestHandler) ClearCookie(name string, opts CookieOptions) error {
	if !rh.live() {
		return ErrFinished
	}
	opts.Expires = time.Unix(0, 0).Add(24 * time.Hour) // 1970-01-02, as Tornado
	opts.ExpiresDays, opts.MaxAge = 0, 0
	return rh.SetCookie(name, "", opts)
}

// ClearAllCookies deletes every cookie the request carried (Tornado's
// clear_all_cookies), with opts' Path and Domain, which must match those
// the cookies were set with. The first cookie that cannot be cleared
// (its name cannot be sent back) ends it with an error.
func (rh *RequestHandler) ClearAllCookies(opts CookieOptions) error {
	if !rh.live() {
		return ErrFinished
	}
	names := make([]string, 0, len(rh.req.Cookies()))
	for name := range rh.req.Cookies() {
		names = append(names, name)
	}
	slices.Sort(names) // one order, so that responses are reproducible
	for _, name := range names {
		if err := rh.ClearCookie(name, opts); err != nil {
			return err
		}
	}
	return nil
}

// SetSignedCookie sets a cookie whose value is signed with the
// application's CookieSecret, so that the client can read but not forge
// it (Tornado's set_signed_cookie; expiresDays 0 means 30).
func (rh *RequestHandler) SetSignedCookie(name string, value []byte, expiresDays float64, opts CookieOptions) error {
	if !rh.live() {
		return ErrFinished
	}
	if expiresDays == 0 {
		expiresDays = 30
	}
	signed, err := CreateSignedValue(rh.Application.Settings.CookieSecret, name, value, time.Now())
	if err != nil {
		return err
	}
	opts.ExpiresDays = expiresDays
	return rh.SetCookie(name, signed, opts)
}

// GetSignedCookie returns the value of a signed cookie if its signature
// holds and it was signed less than maxAge ago (0 means 31 days, Tornado's
// max_age_days default); ok is false otherwise.
func (rh *RequestHandler) GetSignedCookie(name string, maxAge time.Duration) (value []byte, ok bool) {
	rh.live()
	raw := rh.GetCookie(name, "")
	if raw == "" {
		return nil, false
	}
	v, err := DecodeSignedValue(rh.Application.Settings.CookieSecret, name, raw, maxAge, time.Now())
	return v, err == nil
}

// formatField is Tornado's format_field: "len:value".
func formatField(b *strings.Builder, s string) {
	b.WriteString(strconv.Itoa(len(s)))
	b.WriteByte(':')
	b.WriteString(s)
	b.WriteByte('|')
}

// CreateSignedValue signs value under name at now, in Tornado's version 2
// format: "2|1:0|10:<timestamp>|<len>:<name>|<len>:<base64 value>|<hex
// HMAC-SHA256 of everything before it>" (key version 0). Tornado can read
// what it produces and the other way round.
func CreateSignedValue(secret, name string, value []byte, now time.Time) (string, error) {
	if secret == "" {
		return "", ErrNoCookieSecret
	}
	var b strings.Builder
	b.WriteString("2|")
	formatField(&b, "0")
	formatField(&b, strconv.FormatInt(now.Unix(), 10))
	formatField(&b, name)
	formatField(&b, base64.StdEncoding.EncodeToString(value))
	toSign := b.String()
	return toSign + signatureV2(secret, toSign), nil
}

// signatureV2 is Tornado's _create_signature_v2: hex HMAC-SHA256.
func signatureV2(secret, s string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil))
}

// DecodeSignedValue checks a value made by CreateSignedValue for name and
// returns what was signed: ErrBadSignedValue when it is malformed, its
// signature fails (compared in constant time), it was signed for another
// name, or it is older than maxAge (0 means 31 days).
func DecodeSignedValue(secret, name, signed string, maxAge time.Duration, now time.Time) ([]byte, error) {
	if secret == "" {
		return nil, ErrNoCookieSecret
	}
	if maxAge == 0 {
		maxAge = 31 * 24 * time.Hour
	}
	rest, ok := strings.CutPrefix(signed, "2|")
	if !ok {
		return nil, ErrBadSignedValue
	}
	var fields [4]string
	for i := range fields {
		var ok bool
		fields[i], rest, ok = consumeField(rest)
		if !ok {
			return nil, ErrBadSignedValue
		}
	}
	sig := rest
	toSign := signed[:len(signed)-len(sig)]
	want := signatureV2(secret, toSign)
	if subtle.ConstantTimeCompare([]byte(sig), []byte(want)) != 1 {
		return nil, ErrBadSignedValue
	}
	if fields[2] != name {
		return nil, ErrBadSignedValue
	}
	ts, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil || time.Unix(ts, 0).Before(now.Add(-maxAge)) {
		return nil, ErrBadSignedValue
	}
	v, err := base64.StdEncoding.DecodeString(fields[3])
	if err != nil {
		return nil, ErrBadSignedValue
	}
	return v, nil
}

// consumeField reads "len:value|" from s, Tornado's _consume_field.
func consumeField(s string) (field, rest string, ok bool) {
	n, after, found := strings.Cut(s, ":")
	if !found {
		return "", "", false
	}
	l, err := strconv.Atoi(n)
	if err != nil || l < 0 || l+1 > len(after) || after[l] != '|' {
		return "", "", false
	}
	return after[:l], after[l+1:], true
}

// ---- XSRF -----------------------------------------------------------------

// xsrfCookie is the default name of the cookie holding the XSRF token,
// Tornado's.
const xsrfCookie = "_xsrf"

// xsrfCookieName returns the XSRFCookieName setting or its default.
func (rh *RequestHandler) xsrfCookieName() string {
	if n := rh.Application.Settings.XSRFCookieName; n != "" {
		return n
	}
	return xsrfCookie
}

// XSRFToken returns the XSRF token for this request, setting the _xsrf
// cookie when the client has none (Tornado's xsrf_token, version 2). The
// token is masked with fresh random bytes each time it is shown, so that a
// page never carries the same bytes twice (against BREACH); the cookie
// holds the same secret under another mask.
func (rh *RequestHandler) XSRFToken() string {
	rh.live()
	if rh.xsrfToken != "" {
		return rh.xsrfToken
	}
	name := rh.xsrfCookieName()
	token, ok := decodeXSRF(rh.GetCookie(name, ""))
	if !ok {
		token = make([]byte, 16)
		rand.Read(token)
	}
	out := maskToken(token, time.Now())
	if !ok {
		opts := rh.Application.Settings.XSRFCookieOptions
		if opts.Expires.IsZero() && opts.ExpiresDays == 0 && opts.MaxAge == 0 {
			opts.ExpiresDays = 30 // Tornado's, unless the options say
		}
		rh.SetCookie(name, out, opts)
	}
	rh.xsrfToken = out
	return out
}

// maskToken encodes token as "2|mask|masked token|timestamp" in hex.
func maskToken(token []byte, now time.Time) string {
	mask := make([]byte, 4)
	rand.Read(mask)
	return "2|" + hex.EncodeToString(mask) + "|" + hex.EncodeToString(xorMask(mask, token)) + "|" + strconv.FormatInt(now.Unix(), 10)
}

// xorMask is Tornado's _websocket_mask: data XOR the mask repeated.
func xorMask(mask, data []byte) []byte {
	out := make([]byte, len(data))
	for i := range data {
		out[i] = data[i] ^ mask[i%len(mask)]
	}
	return out
}

// decodeXSRF returns the secret of a token or cookie, version 2 (masked)
// or version 1 (plain hex), Tornado's _decode_xsrf_token.
func decodeXSRF(s string) ([]byte, bool) {
	if s == "" {
		return nil, false
	}
	if rest, ok := strings.CutPrefix(s, "2|"); ok {
		parts := strings.Split(rest, "|")
		if len(parts) != 3 {
			return nil, false
		}
		mask, err1 := hex.DecodeString(parts[0])
		masked, err2 := hex.DecodeString(parts[1])
		if err1 != nil || err2 != nil || len(mask) != 4 || len(masked) == 0 {
			return nil, false
		}
		return xorMask(mask, masked), true
	}
	tok, err := hex.DecodeString(s)
	if err != nil || len(tok) == 0 {
		return nil, false
	}
	return tok, true
}

// CheckXSRFCookie checks that the request's _xsrf argument (or its
// X-Xsrftoken or X-Csrftoken header) carries the secret of the _xsrf
// cookie, and returns a 403 HTTPError otherwise (Tornado's
// check_xsrf_cookie). With XSRFCookies set, it runs before Prepare on every
// method but GET, HEAD and OPTIONS.
func (rh *RequestHandler) CheckXSRFCookie() error {
	if !rh.live() {
		return ErrFinished
	}
	tok := rh.GetArgumentDefault("_xsrf", "")
	if tok == "" {
		tok = rh.req.Headers.Get("X-Xsrftoken")
	}
	if tok == "" {
		tok = rh.req.Headers.Get("X-Csrftoken")
	}
	if tok == "" {
		return &HTTPError{Code: 403, LogMessage: "'_xsrf' argument missing from POST"}
	}
	got, ok1 := decodeXSRF(tok)
	want, ok2 := decodeXSRF(rh.GetCookie(rh.xsrfCookieName(), ""))
	if !ok1 || !ok2 {
		return &HTTPError{Code: 403, LogMessage: "'_xsrf' argument has invalid format"}
	}
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return &HTTPError{Code: 403, LogMessage: "XSRF cookie does not match POST argument"}
	}
	return nil
}

// XSRFFormHTML returns the hidden form field with the token, Tornado's
// xsrf_form_html.
func (rh *RequestHandler) XSRFFormHTML() string {
	rh.live()
	return `<input type="hidden" name="_xsrf" value="` + html.EscapeString(rh.XSRFToken()) + `"/>`
}

// ---- the current user -------------------------------------------------------

// CurrentUser returns the handler's GetCurrentUser result (Tornado's
// current_user), computed once per request; nil when there is nobody, or
// GetCurrentUser failed (the error is logged).
func (rh *RequestHandler) CurrentUser() any {
	rh.live()
	if !rh.userDone {
		rh.userDone = true
		u, err := rh.self.GetCurrentUser()
		if err != nil {
			rh.logger().Warn("web: GetCurrentUser failed", "error", err.Error(), "uri", rh.req.URI())
			u = nil
		}
		rh.currentUser = u
	}
	return rh.currentUser
}

// SetCurrentUser sets the current user (Tornado's current_user setter),
// for Prepare to fill it from an asynchronous lookup.
func (rh *RequestHandler) SetCurrentUser(u any) {
	rh.live()
	rh.currentUser, rh.userDone = u, true
}

// Authenticated runs fn if there is a current user, Tornado's
// @authenticated: otherwise a GET or HEAD is redirected to the handler's
// GetLoginURL (the LoginURL setting by default) with ?next=<this URI>
// unless that URL has a query of its own, and anything else is refused
// with 403. Without a login URL, a GET is answered 500 (RequireSetting),
// as Tornado's get_login_url raises: the application is incomplete.
//
//	func (h *Admin) Get(args ...string) error {
//		return h.Authenticated(func() error { ... })
//	}
func (rh *RequestHandler) Authenticated(fn func() error) error {
	if !rh.live() {
		return ErrFinished
	}
	if rh.CurrentUser() != nil {
		return fn()
	}
	m := rh.req.Method
	if m == "GET" || m == "HEAD" {
		login := rh.self.GetLoginURL()
		if login == "" {
			return rh.RequireSetting("login_url", "Authenticated")
		}
		if !strings.Contains(login, "?") {
			next := rh.req.URI()
			if u, err := url.Parse(login); err == nil && u.Scheme != "" {
				next = rh.req.FullURL()
			}
			login += "?" + url.Values{"next": {next}}.Encode()
		}
		return rh.Redirect(login, false)
	}
	return &HTTPError{Code: 403}
}
