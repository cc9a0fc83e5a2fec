package coroutines_test

import (
	"iter"
	"testing"
	"time"

	"github.com/gornado/gornado/stage3-futures"
	"github.com/gornado/gornado/stage4-coroutines"
)

// BenchmarkStartCoroutine measures r.Go of a body that returns at once: the
// cost of calling a coroutine rather than a function (iter.Pull makes a
// goroutine and a coroutine switch pair).
func BenchmarkStartCoroutine(b *testing.B) {
	r := coroutines.NewRunner(nil) // a body that never pauses needs no loop
	body := func(coroutines.Await) (any, error) { return 1, nil }
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r.Go(body)
	}
}

// BenchmarkAwaitDone measures one Await on a Future that is already done:
// two coroutine switches and nothing else.
func BenchmarkAwaitDone(b *testing.B) {
	r := coroutines.NewRunner(nil)
	done := futures.Resolved(1)
	b.ReportAllocs()
	r.Go(func(await coroutines.Await) (any, error) {
		for i := 0; i < b.N; i++ {
			_, _ = await(done)
		}
		return nil, nil
	})
}

// BenchmarkAwaitRoundTrip measures one full round trip through a running
// loop: the coroutine pauses on a pending Future, a callback on the loop
// resolves it, and the runner resumes the coroutine from the loop.
func BenchmarkAwaitRoundTrip(b *testing.B) {
	for _, lc := range loops {
		b.Run(lc.name, func(b *testing.B) {
			loop := lc.new(b)
			r := coroutines.NewRunner(loop)
			defer r.Close()
			b.ReportAllocs()
			b.ResetTimer()
			_, err := r.RunSync(func(await coroutines.Await) (any, error) {
				for i := 0; i < b.N; i++ {
					f := futures.New()
					loop.AddCallback(func() { _ = f.SetResult(nil) })
					if _, err := await(f); err != nil {
						return nil, err
					}
				}
				return nil, nil
			}, time.Minute)
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkMulti100 measures waiting on 100 pending Futures at once with
// Multi, resolved from the loop: the seed's parallel pattern.
func BenchmarkMulti100(b *testing.B) {
	for _, lc := range loops {
		b.Run(lc.name, func(b *testing.B) {
			loop := lc.new(b)
			r := coroutines.NewRunner(loop)
			defer r.Close()
			b.ReportAllocs()
			b.ResetTimer()
			_, err := r.RunSync(func(await coroutines.Await) (any, error) {
				fs := make([]*futures.Future, 100)
				for i := 0; i < b.N; i++ {
					for j := range fs {
						fs[j] = futures.New()
					}
					loop.AddCallback(func() {
						for j, f := range fs {
							_ = f.SetResult(j)
						}
					})
					if _, err := await(r.Multi(fs)); err != nil {
						return nil, err
					}
				}
				return nil, nil
			}, time.Minute)
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkSwitch compares the two ways to hand control back and forth
// between two pieces of code: iter.Pull's direct switch, which the runner
// uses, and a pair of unbuffered channels between two goroutines, which would
// go through the scheduler. One op is one round trip (there and back).
func BenchmarkSwitch(b *testing.B) {
	b.Run("iter.Pull", func(b *testing.B) {
		next, stop := iter.Pull(func(yield func(int) bool) {
			for i := 0; yield(i); i++ {
			}
		})
		defer stop()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			next()
		}
	})
	b.Run("channels", func(b *testing.B) {
		there, back := make(chan int), make(chan int)
		go func() {
			for v := range there {
				back <- v
			}
			close(back)
		}()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			there <- i
			<-back
		}
		b.StopTimer()
		close(there)
		<-back
	})
}
