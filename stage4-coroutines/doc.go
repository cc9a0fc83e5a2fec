// Package coroutines is stage 4 of gornado: Tornado's gen coroutines in Go,
// the seed's sections 协程 (coroutines), 如何调用协程 (how to call a
// coroutine) and 协程模式 (coroutine patterns).
//
// A coroutine is a function that pauses at every Await and is resumed by a
// Runner when the Future it waits for is done, all on the loop's one
// goroutine. It reads like stage1's blocking code and runs like stage2's
// callbacks. The machinery is the standard library's iter.Pull, which switches
// between the loop and a coroutine without running them in parallel.
//
// The chapter is docs/04-coroutines.md.
package coroutines
