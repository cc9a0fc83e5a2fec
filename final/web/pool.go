// Handler instances, pooled per loop: the one place final/web uses
// reflection, to copy a route's prototype, whose type only the user's code
// names.

package web

import "reflect"

// Each request is served by a copy of its route's prototype (Tornado makes
// a handler per request, passing initialize its route's arguments). A new
// copy per request would be the largest cost of a small request, so the
// copies are pooled per loop: when a response is finished, and the
// coroutine the handler started is done, its copy goes back to its loop's
// pool, and the next request on the route takes it again.
//
// A reused copy takes back the prototype's fields with one typed copy of
// the whole struct (reflect.Value.Set, which applies the write barriers a
// struct with pointers needs), its RequestHandler saved first and put back,
// so that the request's storage (argument maps, header set, body buffer,
// JSON encoder) is kept for reuse; init then clears the per-request state.
// Copying the whole struct measured faster than copying the user's fields
// one by one (110-150 ns against 180-220 ns per reset for a handler with
// three fields beside its 768-byte RequestHandler, on this project's
// 2-core machine), and needs no unsafe pointer arithmetic.
//
// The cost of pooling for the user: a handler must not be used after its
// request has ended. A method called on it then, while it waits in the
// pool, fails with ErrFinished; once it serves another request, it would
// act on that one. docs/web.md says so where handlers are introduced.

// baseOnly reports whether handler type t holds nothing but its
// RequestHandler: struct{ RequestHandler } (the usual hello world), or a
// handler embedding a base of that shape, struct{ base } with base
// struct{ RequestHandler } (bench/servers/finalte's, a common way to
// share methods such as ComputeETag). Every handler type embeds a
// RequestHandler (Handler's base method is unexported), so a type no
// larger than one has no other field with a byte in it. A reused instance
// of it has nothing to take back from the prototype, and the copy is
// skipped. Measured on pipelined hello world, that copy of 768 bytes,
// three times (saved, copied over, put back), cost about a tenth of the
// rate; on TechEmpower's plaintext through finalte, whose handlers embed
// such a base, the copy was 7% of the server's CPU.
func baseOnly(t reflect.Type) bool {
	return t.Size() == reflect.TypeFor[RequestHandler]().Size()
}

// instance returns a handler for spec from the loop's pool, reset to the
// prototype, or a new copy of the prototype.
func (ls *loopState) instance(s *URLSpec) Handler {
	for len(ls.pools) <= s.index {
		ls.pools = append(ls.pools, nil)
	}
	pool := ls.pools[s.index]
	if n := len(pool); n > 0 {
		h := pool[n-1]
		ls.pools[s.index] = pool[:n-1]
		if s.baseOnly {
			return h // init resets the RequestHandler
		}
		rh := h.base()
		saved := *rh
		reflect.ValueOf(h).Elem().Set(s.protoElem)
		*rh = saved
		return h
	}
	v := reflect.New(s.elemType)
	v.Elem().Set(s.protoElem)
	h := v.Interface().(Handler)
	rh := h.base()
	*rh = RequestHandler{}
	rh.self = h
	rh.resumeFn = rh.resume
	return h
}

// release puts h back in the pool of spec, which keeps at most 256.
func (ls *loopState) release(s *URLSpec, h Handler) {
	if s == nil {
		return
	}
	if len(ls.pools[s.index]) < 256 {
		ls.pools[s.index] = append(ls.pools[s.index], h)
	}
}
