package gateway

import (
	"sync"
	"sync/atomic"
	"time"
)

// writers is a small pool of goroutines that write to every client of the
// gateway, instead of one writer goroutine per viewer: a viewer costs one
// reader goroutine and no idle write buffer. A client with frames waiting
// is on the run queue at most once; a worker takes it, writes everything it
// has waiting in one frame, and puts it back if more arrived meanwhile. A
// slow socket holds one worker for at most Config.WriteTimeout, and is
// then dropped; the others keep writing.
type writers struct {
	mu     sync.Mutex
	cond   sync.Cond
	ready  []*client
	head   int
	closed bool
	wg     sync.WaitGroup

	// drained is when a worker last took the run queue's last client
	// (unix ns): how far behind the writers are, for rooms' burst windows.
	drained atomic.Int64
}

func newWriters(n int) *writers {
	w := &writers{}
	w.cond.L = &w.mu
	for range n {
		w.wg.Go(w.run)
	}
	return w
}

// push puts clients on the run queue; each must have been marked queued.
func (w *writers) push(cs ...*client) {
	if len(cs) == 0 {
		return
	}
	w.mu.Lock()
	w.ready = append(w.ready, cs...)
	w.mu.Unlock()
	if len(cs) == 1 {
		w.cond.Signal()
	} else {
		w.cond.Broadcast()
	}
}

// grab is how many clients a worker takes off the run queue at a time, so
// that workers do not contend for its lock once per client.
const grab = 16

func (w *writers) run() {
	var mine [grab]*client
	for {
		w.mu.Lock()
		for w.head == len(w.ready) && !w.closed {
			w.cond.Wait()
		}
		if w.head == len(w.ready) {
			w.mu.Unlock()
			return
		}
		// Take a fair share, so that the other workers get some too.
		n := min(grab, max(1, (len(w.ready)-w.head)/4))
		n = copy(mine[:n], w.ready[w.head:])
		clear(w.ready[w.head : w.head+n])
		w.head += n
		if w.head == len(w.ready) {
			w.ready, w.head = w.ready[:0], 0
			w.drained.Store(time.Now().UnixNano())
		}
		w.mu.Unlock()
		for i, c := range mine[:n] {
			c.flush()
			mine[i] = nil
		}
	}
}

// stop ends the workers once the run queue is empty, and waits for them.
func (w *writers) stop() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.cond.Broadcast()
	w.wg.Wait()
}
