// Handler instances: a new one for every request, as in Tornado, carved
// from blocks the loop allocates several at a time; and the storage they
// work in, pooled per loop. The one place final/web uses reflection, to
// make values of a route's handler type, which only the user's code names.

package web

import "reflect"

// Why a new handler per request. Reusing handler values (as this package
// once did) saves an allocation, but a handler the user's code still
// holds when its request is over (a timer not cancelled, a waiter left in
// a list, a goroutine) would then act on whichever request the value
// serves next: a stale write would land in a stranger's response. No
// compiler checks such a rule, so the handler itself is never reused.
//
// Why blocks. A handler value is small (RequestHandler is 24 bytes, plus
// the user's fields), and a block of handlerBlock of them costs one
// allocation, so a request costs a sixteenth of one; a handler kept for a
// long time (a WebSocket's, a long poll's) keeps its block's memory, at
// most handlerBlock handlers' worth.
//
// What is pooled is the working storage (handlerState: the request's
// parse caches and argument maps, the response's header set and body
// buffer, the JSON encoder, the handler's type and the route's groups),
// lent to a handler for its request and taken back when the request ends;
// the handler is then cut off from it (its Request set to nil), and a
// method called on it later works on a finished state of its own (live),
// so that it returns ErrFinished rather than touch the storage another
// request now uses.
//
// Why RequestHandler holds three words and no more: what a request
// allocates, the collector must catch up with. At 64 bytes a handler the
// collector took 10-13% of the CPU on pipelined plaintext (the same server
// under GOGC=off against the default); at 24 it is within the noise
// (docs/performance.md, TechEmpower's plaintext).
const handlerBlock = 16

// handlerBlocks hands out the handlers of one route on one loop.
type handlerBlocks struct {
	// block is an array of handlerBlock values of the route's handler
	// type (reflect.New of the array: one allocation, where MakeSlice
	// makes two); next the index of the first not yet handed out.
	block reflect.Value
	next  int
}

// baseOnly reports whether handler type t holds nothing but its
// RequestHandler: struct{ RequestHandler } (the usual hello world), or a
// handler embedding a base of that shape, struct{ base } with base
// struct{ RequestHandler } (bench/servers/finalte's, a common way to
// share methods such as ComputeETag). Every handler type embeds a
// RequestHandler (Handler's base method is unexported), so a type no
// larger than one has no other field with a byte in it. A new instance of
// it is already what the prototype would give, and the copy is skipped
// (a reflect.Value.Set, which was 7% of finalte's CPU on pipelined
// plaintext when it copied a 768-byte RequestHandler three times, and
// still costs the reflection's checks on the 24 bytes left).
func baseOnly(t reflect.Type) bool {
	return t.Size() == reflect.TypeFor[RequestHandler]().Size()
}

// instance returns a new handler for spec, a copy of its prototype, with
// working storage lent from the loop's pool.
func (ls *loopState) instance(s *URLSpec) Handler {
	for len(ls.blocks) <= s.index {
		ls.blocks = append(ls.blocks, handlerBlocks{})
	}
	b := &ls.blocks[s.index]
	if !b.block.IsValid() || b.next == handlerBlock {
		b.block = reflect.New(s.blockType).Elem()
		b.next = 0
	}
	v := b.block.Index(b.next)
	b.next++
	if !s.baseOnly {
		v.Set(s.protoElem)
	}
	h := v.Addr().Interface().(Handler)
	rh := h.base()
	*rh = RequestHandler{handlerState: ls.lend()}
	rh.owner, rh.self = rh, h
	return h
}

// lend returns working storage from the loop's pool, or new storage.
func (ls *loopState) lend() *handlerState {
	if n := len(ls.states); n > 0 {
		st := ls.states[n-1]
		ls.states[n-1] = nil
		ls.states = ls.states[:n-1]
		return st
	}
	st := &handlerState{}
	st.resumeFn = st.resume
	return st
}

// release ends h's request: its storage goes back to the loop's pool,
// which keeps at most 1024, and h is cut off from it.
func (ls *loopState) release(h Handler) {
	if h == nil {
		return
	}
	rh := h.base()
	st := rh.handlerState
	rh.handlerState, rh.Request = nil, nil
	if st == nil {
		return
	}
	st.owner, st.self, st.pathArgs = nil, nil, nil
	if len(ls.states) < 1024 {
		ls.states = append(ls.states, st)
	}
}

// resume continues the steps of the handler the state is lent to, after
// an awaited Awaitable is done.
func (st *handlerState) resume() {
	if st.owner != nil {
		st.owner.resume()
	}
}

// live makes sure rh has a state to work on: its request's, or, once the
// request has ended, a finished state of its own, in which writes find
// the response finished. It reports whether the request is still on.
// Every exported method calls it first, and one that returns an error
// returns ErrFinished when it reports false (TestStaleHandlerMethodsReturn
// calls them all on a handler whose request has ended).
func (rh *RequestHandler) live() bool {
	if rh.handlerState != nil && rh.owner == rh {
		return true
	}
	if rh.handlerState == nil {
		st := &handlerState{}
		st.resp, st.peer = respFinished, peerLeftSent
		st.self = rh // the default hooks
		st.resumeFn = st.resume
		st.headers.CopyFrom(defaultHeaders)
		rh.handlerState = st
	}
	return false
}
