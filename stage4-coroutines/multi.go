package coroutines

import (
	"fmt"
	"sort"

	"github.com/gornado/gornado/stage3-futures"
)

// Tornado lets a coroutine `yield [f1, f2]` or `yield {"a": f1, "b": f2}`: the
// runner waits for all of them at once and hands back a list or dict of
// results (the seed's 并行方式, parallel). With `await` that shortcut is gone
// and the list must be wrapped in gen.multi first. Go's Await is typed: it
// takes one *futures.Future and nothing else, so Go is always in the await
// case and the wrapping is spelled out: await(r.Multi(fs)).

// Multi returns a Future for the results of fs, in the same order: gen.multi
// for a list. The Futures are already running (whoever made them started
// them); Multi only waits for all of them.
//
// Stage 3's futures.All does the waiting, with Tornado's multi_future rules:
// it waits until every Future is done even when one fails early, so nothing is
// left running unobserved, and the first error in list order becomes its
// error. All drops the other errors; Multi adds what Tornado does with them:
// it writes each to the Runner's ErrorLog ("Multiple exceptions in yield
// list"), so that none is lost.
func (r *Runner) Multi(fs []*futures.Future) *futures.Future {
	all := futures.All(fs...)
	all.AddDoneCallback(func(all *futures.Future) {
		if all.Exception() == nil || all.Cancelled() {
			return // no error, or nobody waits any more (and fs may be pending)
		}
		seenFirst := false
		for _, f := range fs {
			if err := f.Exception(); err != nil {
				if seenFirst {
					r.errorf("coroutines: Multi: another error after the first, logged here: %v", err)
				}
				seenFirst = true
			}
		}
	})
	return all
}

// MultiMap is gen.multi for a dict: it waits for every Future of fs and
// resolves to a map[string]any of their results under the same keys. Errors
// are handled as in Multi, taking the keys in sorted order so that "the first
// error" is the same on every run.
func (r *Runner) MultiMap(fs map[string]*futures.Future) *futures.Future {
	keys := make([]string, 0, len(fs))
	for k := range fs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	list := make([]*futures.Future, len(keys))
	for i, k := range keys {
		list[i] = fs[k]
	}
	out := futures.New()
	r.Multi(list).AddDoneCallback(func(m *futures.Future) {
		v, err := m.Result()
		if err != nil {
			_ = out.SetException(err)
			return
		}
		results := make(map[string]any, len(keys))
		for i, res := range v.([]any) {
			results[keys[i]] = res
		}
		_ = out.SetResult(results)
	})
	return out
}

// ConvertYielded turns anything a Tornado coroutine may yield into a Future
// that Await accepts: tornado.gen.convert_yielded. Python needs it at run time
// because `await` accepts fewer kinds of object than `yield` did; in Go the
// compiler already insists on a *futures.Future, so ConvertYielded is only
// useful where the value's kind is known late, and it shows the whole mapping
// in one place:
//
//	*futures.Future              itself
//	Func (a coroutine not started) r.Go(fn): starts it, as convert_yielded
//	                               starts a native coroutine
//	[]*futures.Future            r.Multi, a list of results
//	map[string]*futures.Future   r.MultiMap, a map of results
//	nil                          a Future already done with nil, gen.moment's cousin
//
// Anything else is an error, Tornado's BadYieldError.
func (r *Runner) ConvertYielded(v any) (*futures.Future, error) {
	switch v := v.(type) {
	case nil:
		return futures.Resolved(nil), nil
	case *futures.Future:
		return v, nil
	case Func:
		return r.Go(v), nil
	case func(Await) (any, error):
		return r.Go(v), nil
	case []*futures.Future:
		return r.Multi(v), nil
	case map[string]*futures.Future:
		return r.MultiMap(v), nil
	default:
		return nil, fmt.Errorf("coroutines: cannot await a %T (Tornado's BadYieldError)", v)
	}
}
