package nn

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// A tiny fork-join pool. Spawning goroutines per call would allocate a
// closure and a goroutine on every op run; the pool's workers are started
// once and fed by value through channels, so a dispatch allocates nothing as
// long as fn itself is a pre-built func value (ops store theirs as fields).
var pool struct {
	once sync.Once
	// mu serialises dispatches: a second concurrent caller (another graph
	// on another goroutine) runs serially instead of queueing behind us.
	mu   sync.Mutex
	work []chan job
	done chan struct{}
	next atomic.Int64
}

type job struct {
	fn       func(lo, hi int)
	n, grain int
}

func startPool() {
	w := min(runtime.GOMAXPROCS(0)-1, 15)
	pool.done = make(chan struct{}, max(w, 1))
	for range w {
		ch := make(chan job)
		pool.work = append(pool.work, ch)
		go func() {
			for j := range ch {
				runChunks(j)
				pool.done <- struct{}{}
			}
		}()
	}
}

// runChunks hands out grain-sized chunks dynamically rather than a static
// split, because the cores are shared with other processes and a static
// half would leave us waiting on the slower core.
func runChunks(j job) {
	for {
		hi := int(pool.next.Add(int64(j.grain)))
		lo := hi - j.grain
		if lo >= j.n {
			return
		}
		j.fn(lo, min(hi, j.n))
	}
}

// parallelFor calls fn on disjoint sub-ranges covering [0,n), in parallel
// when n spans more than one grain. fn must be safe to run concurrently on
// disjoint ranges.
func parallelFor(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	grain = max(grain, 1)
	pool.once.Do(startPool)
	if n <= grain || len(pool.work) == 0 || !pool.mu.TryLock() {
		fn(0, n)
		return
	}
	defer pool.mu.Unlock()
	pool.next.Store(0)
	helpers := min(len(pool.work), (n+grain-1)/grain-1)
	j := job{fn: fn, n: n, grain: grain}
	for i := range helpers {
		pool.work[i] <- j
	}
	runChunks(j)
	for range helpers {
		<-pool.done
	}
}
