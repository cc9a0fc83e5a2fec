// Buffers (docs/design.md, "Memory"): each loop owns one read buffer that
// every stream on it reads into, and a small free list of chunks; a stream
// holds a chunk of its own only while it has unread or unsent bytes, so an
// idle keep-alive connection holds no buffer at all.

package iostream

import "github.com/gornado/gornado/final/ioloop"

// chunkSize is the size of the chunks streams keep unread or unsent bytes
// in; larger amounts get larger buffers, which are not pooled.
const chunkSize = 16 * 1024

// maxFreeChunks bounds each loop's free list (4 MiB of chunks).
const maxFreeChunks = 256

// loopBuffers is one loop's shared buffers, and its list of streams with
// writes to flush at the end of the iteration. Loop goroutine only.
type loopBuffers struct {
	// loop is the loop.
	loop *ioloop.IOLoop
	// later are the streams with deferred work (gathered writes to send,
	// a read pass to resume) for the next callback batch; one loop
	// callback serves them all, so a busy iteration costs one AddCallback
	// however many streams wrote.
	later []*Stream
	// spare is the other list, swapped with later by runLater.
	spare []*Stream
	// runLaterFn is the runLater method value, made once per loop.
	runLaterFn func()
	// read is the loop's read buffer (ioloop.ReadBuffer).
	read []byte
	// lent is true while a stream holds bytes in read that it has not
	// yet consumed or copied out; others then read into chunks of their
	// own, so that a callback run in between cannot clobber them.
	lent bool
	// free holds chunks for reuse, each chunkSize long.
	free [][]byte
	// tls is the scratch buffer TLS streams read ciphertext into, one
	// maximal record long; made on first use.
	tls []byte
	// iov is scratch for writeNow's gathered write.
	iov [][]byte
	// readExtras and writeStates are the free lists of the side structs
	// streams hold only while a read or a write is in progress.
	readExtras  []*readExtra
	writeStates []*writeState
}

// maxFreeStates bounds the free lists of readExtra and writeState.
const maxFreeStates = 1024

// getReadExtra returns a zeroed readExtra.
func (lb *loopBuffers) getReadExtra() *readExtra {
	if k := len(lb.readExtras); k > 0 {
		rx := lb.readExtras[k-1]
		lb.readExtras[k-1] = nil
		lb.readExtras = lb.readExtras[:k-1]
		return rx
	}
	return &readExtra{}
}

// putReadExtra takes back a readExtra, dropping what it refers to.
func (lb *loopBuffers) putReadExtra(rx *readExtra) {
	*rx = readExtra{}
	if len(lb.readExtras) < maxFreeStates {
		lb.readExtras = append(lb.readExtras, rx)
	}
}

// getWriteState returns an empty writeState.
func (lb *loopBuffers) getWriteState() *writeState {
	if k := len(lb.writeStates); k > 0 {
		w := lb.writeStates[k-1]
		lb.writeStates[k-1] = nil
		lb.writeStates = lb.writeStates[:k-1]
		return w
	}
	return &writeState{}
}

// putWriteState takes back a writeState whose bytes are all sent and whose
// Futures are resolved, keeping its waits' storage.
func (lb *loopBuffers) putWriteState(w *writeState) {
	waits := w.waits[:0]
	if cap(waits) > 64 {
		waits = nil
	}
	*w = writeState{waits: waits}
	if len(lb.writeStates) < maxFreeStates {
		lb.writeStates = append(lb.writeStates, w)
	}
}

// tlsScratch returns the loop's TLS scratch buffer.
func (lb *loopBuffers) tlsScratch() []byte {
	if lb.tls == nil {
		lb.tls = make([]byte, 16*1024+512)
	}
	return lb.tls
}

// loopBuffersKey is the ioloop.Value key of a loop's loopBuffers.
type loopBuffersKey struct{}

// buffersOf returns loop's shared buffers, creating them on first use.
func buffersOf(loop *ioloop.IOLoop) *loopBuffers {
	if b, ok := loop.Value(loopBuffersKey{}).(*loopBuffers); ok {
		return b
	}
	b := &loopBuffers{loop: loop, read: loop.ReadBuffer()}
	b.runLaterFn = b.runLater
	loop.SetValue(loopBuffersKey{}, b)
	return b
}

// schedule defers work of s to the next callback batch, listing s unless
// it is listed already.
func (lb *loopBuffers) schedule(s *Stream, what deferred) {
	listed := s.deferred&deferListed != 0
	s.deferred |= what | deferListed
	if listed {
		return
	}
	if len(lb.later) == 0 {
		lb.loop.AddCallback(lb.runLaterFn)
	}
	lb.later = append(lb.later, s)
}

// runLater does the deferred work of every stream listed: a resumed read
// pass first, then the flush that sends what it wrote too. Each stream's
// set is taken and emptied before its work runs, so that work deferred
// meanwhile (a flush's Future callback writing again, a resumed pass
// stopping at its budget again) lists the stream in the next batch, after
// the loop has run its timers and the other descriptors. (A stream that
// stayed listed while its work was done could find work deferred by its
// own flush, do it in this batch, and so on: one pipelining peer once
// took a whole iteration that way.)
func (lb *loopBuffers) runLater() {
	list := lb.later
	lb.later, lb.spare = lb.spare[:0], nil
	for i, s := range list {
		list[i] = nil
		what := s.deferred
		s.deferred = 0
		if what&deferRead != 0 {
			s.resumeRead() // flushes what its receivers wrote
		}
		if what&deferFlush != 0 {
			s.flush()
		}
	}
	lb.spare = list[:0]
}

// get returns an empty buffer with capacity for at least n bytes.
func (lb *loopBuffers) get(n int) []byte {
	if n <= chunkSize {
		if k := len(lb.free); k > 0 {
			c := lb.free[k-1]
			lb.free[k-1] = nil
			lb.free = lb.free[:k-1]
			return c[:0]
		}
		return make([]byte, 0, chunkSize)
	}
	return make([]byte, 0, n)
}

// put returns a buffer from get for reuse.
func (lb *loopBuffers) put(c []byte) {
	if cap(c) == chunkSize && len(lb.free) < maxFreeChunks {
		lb.free = append(lb.free, c[:0])
	}
}
