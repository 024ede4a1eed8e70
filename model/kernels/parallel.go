package kernels

import "runtime"

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
	// Two chunks per worker, at least a grain each, shared dynamically.
	parts := min(2*workers, n/max(grain, 1))
	if !dispatch(poolJob{fn: fn, n: n, parts: parts}) {
		fn(0, n)
	}
}

// ParallelChunks calls fn on consecutive sub-ranges of at most chunk indices
// that together cover [0, n), handed out one at a time to the calling
// goroutine and the pool's workers, and returns when all are done. Its many
// small chunks cost more hand-offs than ParallelForGrain's few, but a core
// that another process slows down then holds up only a small part of the
// work: it suits the cheap element-wise and per-channel passes of model/nn.
func ParallelChunks(n, chunk int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	chunk = max(chunk, 1)
	if !dispatch(poolJob{fn: fn, n: n, parts: (n + chunk - 1) / chunk}) {
		fn(0, n)
	}
}
