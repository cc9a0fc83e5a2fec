package web

import (
	"fmt"
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
