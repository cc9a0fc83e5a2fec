package futures

// A Future on its own replaces one callback. The gain shows when Futures are
// combined: one step's result feeds the next (Then, AndThen), one Future's
// outcome is copied into another (Chain), many are waited on together (All).
// In every combination an error travels on by itself: a step whose input
// failed is skipped, and the failure reaches the end of the chain without a
// single "if err != nil" in between.

// Chain copies a's outcome into b once a is done, Tornado's chain_future(a, b):
// a result becomes b's result, an error b's error, and a cancelled a cancels
// b. If b is already done by then (someone cancelled it, say), b keeps what it
// has, as in Tornado.
func Chain(a, b *Future) {
	a.AddDoneCallback(func(a *Future) {
		if b.Done() {
			return
		}
		switch v, err := a.Result(); {
		case a.Cancelled():
			b.Cancel()
		case err != nil:
			_ = b.SetException(err)
		default:
			_ = b.SetResult(v)
		}
	})
}

// Then returns a Future for fn applied to f's result. If f fails, fn never
// runs and the returned Future fails with f's error; if fn returns an error,
// the returned Future fails with it. fn runs on whoever resolves f, like any
// done-callback.
//
//	size := FetchFuture(l, url).Then(func(v any) (any, error) {
//		return len(v.([]byte)), nil
//	})
func (f *Future) Then(fn func(v any) (any, error)) *Future {
	next := New()
	f.AddDoneCallback(func(f *Future) {
		v, err := f.Result()
		if err == nil {
			v, err = fn(v)
		}
		settle(next, v, err)
	})
	return next
}

// AndThen returns a Future for a second asynchronous step that starts once f
// has succeeded: fn receives f's result and returns the Future of the next
// operation, whose outcome becomes the returned Future's. It turns "fetch A,
// then fetch B with what A said" into a flat chain instead of a callback
// inside a callback. If f fails, fn never runs.
func (f *Future) AndThen(fn func(v any) *Future) *Future {
	next := New()
	f.AddDoneCallback(func(f *Future) {
		v, err := f.Result()
		if err != nil {
			settle(next, nil, err)
			return
		}
		Chain(fn(v), next)
	})
	return next
}

// All returns a Future that is done when every one of fs is done, Tornado's
// gen.multi on a list: its result is a []any with the results in the order of
// fs. If any of them failed, it fails with the error of the first that failed
// in that order; Tornado logs the others, this toy drops them. Like Tornado,
// and unlike asyncio's gather, it waits for all of fs before it resolves, so
// nothing is left running behind its back.
func All(fs ...*Future) *Future {
	all := New()
	remaining := len(fs)
	if remaining == 0 {
		_ = all.SetResult([]any{})
		return all
	}
	for _, f := range fs {
		f.AddDoneCallback(func(*Future) {
			if remaining--; remaining > 0 {
				return
			}
			results := make([]any, len(fs))
			for i, f := range fs {
				v, err := f.Result()
				if err != nil {
					settle(all, nil, err)
					return
				}
				results[i] = v
			}
			settle(all, results, nil)
		})
	}
	return all
}

// settle resolves f with v or err, unless f is already done (cancelled by
// whoever was waiting for it), in which case the outcome is dropped: nobody
// wants it any more.
func settle(f *Future, v any, err error) {
	if f.Done() {
		return
	}
	if err != nil {
		_ = f.SetException(err)
		return
	}
	_ = f.SetResult(v)
}
