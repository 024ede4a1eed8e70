package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// A fork-join pool started once. ParallelForGrain, ParallelChunks and Sgemm
// hand their work to it by value, so a dispatch neither allocates nor starts
// goroutines, and the workers pick chunks dynamically: the cores are shared
// with other processes, and a static split would leave the fast core
// waiting on the slow one.
var pool struct {
	once sync.Once
	// mu serialises dispatches: a second concurrent caller (another graph
	// on another goroutine) runs inline instead of queueing behind us.
	mu   sync.Mutex
	work []chan poolJob
	done chan struct{}
	next atomic.Int64
}

type poolJob struct {
	fn       func(lo, hi int) // nil for a GEMM job
	gemm     *gemmJob
	n, parts int // [0, n) in parts near-equal chunks
}

func startPool() {
	w := min(runtime.GOMAXPROCS(0)-1, 15)
	pool.done = make(chan struct{}, max(w, 1))
	for range w {
		ch := make(chan poolJob)
		pool.work = append(pool.work, ch)
		go func() {
			for j := range ch {
				runChunks(j)
				pool.done <- struct{}{}
			}
		}()
	}
}

func runChunks(j poolJob) {
	for {
		i := int(pool.next.Add(1)) - 1
		if i >= j.parts {
			return
		}
		lo, hi := i*j.n/j.parts, (i+1)*j.n/j.parts
		if j.gemm != nil {
			j.gemm.run(lo, hi)
		} else {
			j.fn(lo, hi)
		}
	}
}

// dispatch runs j on the calling goroutine and the pool's workers. It
// returns false, having done nothing, when the pool is busy with another
// caller or there is nothing to share; the caller then runs the job inline.
func dispatch(j poolJob) bool {
	pool.once.Do(startPool)
	if j.parts < 2 || len(pool.work) == 0 || !pool.mu.TryLock() {
		return false
	}
	defer pool.mu.Unlock()
	pool.next.Store(0)
	helpers := min(len(pool.work), j.parts-1)
	for i := range helpers {
		pool.work[i] <- j
	}
	runChunks(j)
	for range helpers {
		<-pool.done
	}
	return true
}
