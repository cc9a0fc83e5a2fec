package web

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
)

// counterHandler changes its own fields while serving: a reused instance
// must start each request with the prototype's values again, as Tornado
// makes a new handler per request.
type counterHandler struct {
	RequestHandler
	Label  string
	hits   int
	seen   map[string]bool
	nested struct{ n int }
}

func (h *counterHandler) Get(...string) error {
	h.hits++
	h.nested.n++
	if h.seen == nil {
		h.seen = map[string]bool{}
	}
	h.seen[h.Request.URI()] = true
	out := fmt.Sprintf("%s hits=%d nested=%d seen=%d", h.Label, h.hits, h.nested.n, len(h.seen))
	h.Label = "changed"
	return h.WriteString(out)
}

// baseWithHandler embeds RequestHandler one level down, the case in which
// the whole struct is copied back.
type baseWithHandler struct {
	RequestHandler
	Count int
}

type deepHandler struct {
	baseWithHandler
	Tag string
}

func (h *deepHandler) Get(...string) error {
	h.Count++
	out := fmt.Sprintf("%s count=%d", h.Tag, h.Count)
	h.Tag = "changed"
	return h.WriteString(out)
}

func TestReusedHandlersStartFromThePrototype(t *testing.T) {
	app := NewApplication([]*URLSpec{
		URL("/c", &counterHandler{Label: "proto"}),
		URL("/d", &deepHandler{Tag: "deep", baseWithHandler: baseWithHandler{Count: 10}}),
	}, Settings{})
	base := serve(t, app)
	c := client(t)
	for i := range 5 {
		_, body := do(t, c, "GET", base+fmt.Sprintf("/c?i=%d", i), "")
		assert.Equal(t, "proto hits=1 nested=1 seen=1", body, "request %d", i)
		_, body = do(t, c, "GET", base+"/d", "")
		assert.Equal(t, "deep count=11", body, "request %d", i)
	}
}

// onlyBase is a base embedded to share methods, holding nothing itself.
type onlyBase struct{ RequestHandler }

// viaBase embeds it and adds nothing: a new value is the prototype.
type viaBase struct{ onlyBase }

// viaBaseWithField embeds it and adds state: copied from the prototype.
type viaBaseWithField struct {
	onlyBase
	n int
}

// zeroSizeTail ends with a zero-size field, which Go pads: it is copied,
// needlessly but correctly.
type zeroSizeTail struct {
	RequestHandler
	_ struct{}
}

// TestBaseOnlyMeansNothingButTheRequestHandler: the types whose new values
// need no copy of the prototype.
func TestBaseOnlyMeansNothingButTheRequestHandler(t *testing.T) {
	for _, c := range []struct {
		h    any
		want bool
	}{
		{plainHello{}, true},
		{viaBase{}, true},
		{counterHandler{}, false},
		{deepHandler{}, false},
		{viaBaseWithField{}, false},
		{zeroSizeTail{}, false},
	} {
		assert.Equal(t, c.want, baseOnly(reflect.TypeOf(c.h)), "%T", c.h)
	}
}

func (h *viaBaseWithField) Get(...string) error {
	h.n++
	return h.WriteString(fmt.Sprintf("n=%d", h.n))
}

// TestHandlerViaBaseStartsFromThePrototype: a handler whose state is
// beside an embedded base still starts each request from the prototype.
func TestHandlerViaBaseStartsFromThePrototype(t *testing.T) {
	app := NewApplication([]*URLSpec{URL("/v", &viaBaseWithField{n: 41})}, Settings{})
	base := serve(t, app)
	c := client(t)
	for i := range 3 {
		_, body := do(t, c, "GET", base+"/v", "")
		assert.Equal(t, "n=42", body, "request %d", i)
	}
}

// TestMethodBitFollowsSupportedMethods: the switch gives each method of
// the list (the Allow field's order) its own bit, in order, and nothing to
// another method; methods are case-sensitive.
func TestMethodBitFollowsSupportedMethods(t *testing.T) {
	for i, m := range supportedMethods {
		assert.Equal(t, uint8(1)<<i, methodBit(m), m)
	}
	for _, m := range []string{"get", "CONNECT", "TRACE", "PROPFIND", "", "GETX"} {
		assert.Zero(t, methodBit(m), m)
	}
}
