// Package futures is stage 3 of gornado's learning path: the Future, a
// placeholder for a result that is not there yet, and the seed's
// async_fetch_future(url) (section 异步, "通过 Future 方式取代回调").
//
// # A result you can hold
//
// Stage 2's Fetch takes the code to run next as an argument, so the caller
// must decide what happens to the page before the page exists. FetchFuture
// returns a Future instead: a value that stands for the page, which can be
// stored, passed on, combined with other Futures, and asked, once it is done,
// for its result or its error.
//
//	f := futures.FetchFuture(l, url)
//	f.AddDoneCallback(func(f *futures.Future) {
//		body, err := f.Result()
//		...
//	})
//
// # The Future
//
// New, Resolved and Failed make one; SetResult, SetException and Cancel
// resolve it, once: resolving twice is ErrAlreadyDone, never an overwrite.
// Done, Cancelled, Result and Exception ask about it. AddDoneCallback
// registers code to run when it is done, or at once if it is done already.
// A Future knows no event loop: it runs its callbacks itself, on whoever
// resolves it, which is why stage2's toy loop and stage5's IOLoop can both
// drive it. It is not safe for several goroutines: it lives on the loop.
//
// # Combining Futures
//
// Chain copies one Future's outcome into another (Tornado's chain_future);
// Then and AndThen run the next step, synchronous or asynchronous, on a
// result; All waits for many (Tornado's gen.multi). Errors travel down a
// chain by themselves: a step whose input failed is skipped.
//
// # What hurts
//
// The code after each step still lives in a callback; a loop over results
// ("fetch the next page until there is none") has to be written as
// recursion; results are typed any. Stage 4 lets a coroutine wait for a
// Future as if it were a function call.
package futures
