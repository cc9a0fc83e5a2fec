package callbacks

import (
	"os"
	"os/signal"
	"sync"
)

// The seed lists four shapes an asynchronous interface can take (异步接口的
// 样式). This file has one small example of each, built on the same loop, so
// the chapter can set them side by side.
//
//  1. 回调参数, a callback argument: the caller passes the function to run when
//     the work is done. Fetch itself is this style.
//  2. 返回占位符, a placeholder returned at once and filled in later: a
//     Future, Promise or Deferred. Placeholder below is the bare idea; stage3
//     grows it into a Future.
//  3. 发送到队列, delivery to a queue: results are put on a queue that someone
//     else drains. FetchToQueue below uses Go's own queue, a channel.
//  4. 回调注册表, a callback registry, such as POSIX signals: register a
//     function once, and it runs every time the event happens.
//     AddSignalHandler below delivers signals to the loop as callbacks.

// A Placeholder is the result of a fetch that may not have arrived yet. It is
// the second style with nothing added: the caller gets it at once and can ask
// whether it is filled in yet. Nothing tells the caller when that happens, so
// the caller has to keep asking; stage3's Future adds exactly that.
type Placeholder struct {
	done bool
	body []byte
	err  error
}

// FetchPlaceholder starts fetching url and returns a placeholder for the body.
func FetchPlaceholder(l *Loop, url string) *Placeholder {
	p := &Placeholder{}
	Fetch(l, url, func(body []byte, err error) {
		p.done, p.body, p.err = true, body, err
	})
	return p
}

// Done reports whether the fetch has finished.
func (p *Placeholder) Done() bool { return p.done }

// Body returns the fetched body or the error, once Done.
func (p *Placeholder) Body() ([]byte, error) { return p.body, p.err }

// A Result is one finished fetch, as delivered to a queue.
type Result struct {
	URL  string
	Body []byte
	Err  error
}

// FetchToQueue starts fetching every URL and returns a channel that receives
// one Result per URL as each fetch finishes, in the order they finish. The
// channel is the queue of the third style, and it can be drained by another
// goroutine than the loop's.
//
// The channel has room for every result. That is not a detail: the loop must
// never block, and a send on a full channel would stop the loop and every
// fetch in it until the reader caught up.
func FetchToQueue(l *Loop, urls []string) <-chan Result {
	results := make(chan Result, len(urls))
	for _, u := range urls {
		Fetch(l, u, func(body []byte, err error) {
			results <- Result{URL: u, Body: body, Err: err}
		})
	}
	return results
}

// AddSignalHandler runs fn on the loop each time the process receives one of
// sigs; the returned function unregisters it. This is the fourth style, the
// callback registry, with the registry the seed names: POSIX signals.
//
// A signal arrives at no particular moment, on no goroutine of ours; running
// a callback there would break the loop's one rule, that its callbacks run one
// at a time on its goroutine. So the Go runtime turns the signal into a
// channel send (signal.Notify), a small goroutine receives it, and that
// goroutine hands the callback to the loop with AddCallback, the one method
// safe from elsewhere. Tornado's add_callback_from_signal exists for the same
// reason.
func (l *Loop) AddSignalHandler(fn func(os.Signal), sigs ...os.Signal) (remove func()) {
	ch := make(chan os.Signal, 1)
	quit := make(chan struct{})
	exited := make(chan struct{})
	signal.Notify(ch, sigs...)
	go func() {
		defer close(exited)
		for {
			select {
			case sig := <-ch:
				l.AddCallback(func() { fn(sig) })
			case <-quit:
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			signal.Stop(ch)
			close(quit)
			<-exited // so that no goroutine outlives the registration
		})
	}
}
