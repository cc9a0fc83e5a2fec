package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keeper hands itself out while serving (a waiter list that forgot to
// drop it, say), and its second request waits for gate before writing.
type keeper struct {
	RequestHandler
	kept chan *keeper
	gate *concurrent.Future[struct{}]
}

func (h *keeper) Get(args ...string) error {
	h.kept <- h
	if args[0] == "wait" {
		h.Wait(h.gate)
		return nil
	}
	return h.WriteString("first")
}

// onLoop runs fn on loop and waits for it.
func onLoop(t *testing.T, loop *ioloop.IOLoop, fn func()) {
	t.Helper()
	done := make(chan struct{})
	loop.AddCallback(func() {
		defer close(done)
		fn()
	})
	testutil.Recv(t, done, "a loop callback")
}

// A handler kept past its request cannot reach the request served next
// on its loop, which works in the same pooled storage: its writes return
// ErrFinished and change nothing there. Before handlers were new per
// request, the second request got the same handler value, and the stale
// header and body went out in its response.
func TestStaleHandlerIsCutOff(t *testing.T) {
	kept := make(chan *keeper, 2)
	gate := concurrent.NewFuture[struct{}]()
	proto := &keeper{kept: kept, gate: gate}
	app := NewApplication([]*URLSpec{URL("/(first|wait)", proto)}, Settings{Logger: quiet})
	addr, loop := serveOn(t, app, withDelegate)
	c := client(t)

	resp, body := do(t, c, "GET", "http://"+addr+"/first", "")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "first", body)
	stale := testutil.Recv(t, kept, "the first handler")

	second := make(chan *http.Response, 1)
	go func() {
		resp, err := c.Get("http://" + addr + "/wait")
		if err != nil {
			resp = nil // the test fails on the nil response
		}
		second <- resp
	}()
	live := testutil.Recv(t, kept, "the second handler")
	require.NotSame(t, stale, live, "a handler served two requests")

	onLoop(t, loop, func() {
		assert.Nil(t, stale.Request, "a finished handler's Request")
		assert.Nil(t, stale.PathArgs(), "a finished handler's PathArgs")
		stale.SetStatus(500)
		stale.SetHeader("X-Stale", "yes")
		assert.ErrorIs(t, stale.WriteString("stale"), ErrFinished)
		assert.ErrorIs(t, stale.Finish(), ErrFinished)
		assert.Equal(t, "yes", stale.ResponseHeaders().Get("X-Stale"), "the stale handler's own headers")
		assert.NoError(t, live.WriteString("second"))
		gate.SetResult(struct{}{})
	})
	resp = testutil.Recv(t, second, "the second response")
	require.NotNil(t, resp)
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "second", string(b))
	assert.Empty(t, resp.Header.Get("X-Stale"))
}

// Every exported method of RequestHandler, called on a handler whose
// request has ended, returns (an error returns ErrFinished, or nil from
// the hooks that cannot fail) rather than panic: each calls live first.
// The test finds the methods by reflection, so that a method added later
// without live fails here.
func TestStaleHandlerMethodsReturn(t *testing.T) {
	kept := make(chan *keeper, 1)
	app := NewApplication([]*URLSpec{URL("/(first)", &keeper{kept: kept})}, Settings{Logger: quiet})
	addr, loop := serveOn(t, app, withDelegate)
	resp, _ := do(t, client(t), "GET", "http://"+addr+"/first", "")
	require.Equal(t, 200, resp.StatusCode)
	stale := testutil.Recv(t, kept, "the handler")

	typ := reflect.TypeFor[*RequestHandler]()
	require.Greater(t, typ.NumMethod(), 40)
	errType := reflect.TypeFor[error]()
	for i := range typ.NumMethod() {
		m := typ.Method(i)
		t.Run(m.Name, func(t *testing.T) {
			in := []reflect.Value{reflect.ValueOf(&stale.RequestHandler)}
			for j := 1; j < m.Type.NumIn(); j++ {
				in = append(in, stubArg(m.Type.In(j)))
			}
			var out []reflect.Value
			var panicked any
			onLoop(t, loop, func() {
				defer func() { panicked = recover() }()
				if m.Type.IsVariadic() {
					out = m.Func.CallSlice(in)
				} else {
					out = m.Func.Call(in)
				}
			})
			require.Nil(t, panicked, "%s panicked on a finished handler", m.Name)
			for _, o := range out {
				if o.Type() == errType && !o.IsNil() {
					err := o.Interface().(error)
					assert.True(t, errors.Is(err, ErrFinished), "%s: %v, want ErrFinished", m.Name, err)
				}
			}
		})
	}
}

// stubArg is a value of type t for a call that must not get far: zero
// values, a function that fails the request, a non-nil WebSocket handler.
func stubArg(t reflect.Type) reflect.Value {
	switch t.Kind() {
	case reflect.Func:
		return reflect.MakeFunc(t, func([]reflect.Value) []reflect.Value {
			panic(fmt.Sprintf("a %s passed to a finished handler was called", t))
		})
	case reflect.String:
		return reflect.ValueOf(strings.Repeat("x", 3)).Convert(t)
	}
	return reflect.Zero(t)
}
