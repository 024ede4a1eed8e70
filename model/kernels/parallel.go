package kernels

import (
	"runtime"
	"sync"
)

// ParallelFor calls fn on consecutive sub-ranges [lo, hi) that together cover
// [0, n), one per GOMAXPROCS, concurrently, and returns when all are done.
// Each index is taken to be worth a goroutine hand-off (a row of an image, a
// channel plane); n < 2 or GOMAXPROCS == 1 runs fn inline. Use ParallelForGrain
// when single indices are cheap.
func ParallelFor(n int, fn func(lo, hi int)) {
	ParallelForGrain(n, 1, fn)
}

// ParallelForGrain is ParallelFor with every sub-range at least grain long,
// so that element-wise loops over small tensors stay on the calling goroutine
// where spawning would cost more than the work.
func ParallelForGrain(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	workers := min(runtime.GOMAXPROCS(0), n/max(grain, 1))
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	wg.Add(workers - 1)
	lo := 0
	for w := 0; w < workers-1; w++ {
		hi := lo + (n-lo)/(workers-w)
		go func(lo, hi int) {
			defer wg.Done()
			fn(lo, hi)
		}(lo, hi)
		lo = hi
	}
	// The caller takes the last chunk itself: one goroutine fewer to start,
	// and it is busy rather than blocked while the others run.
	fn(lo, n)
	wg.Wait()
}
