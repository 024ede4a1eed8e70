package graphop

import (
	"sort"

	"gorgonia.org/tensor"
)

// Arena is memory shared by the graphs of one network that never run at
// the same time: a GAN's two training graphs, its samplers and judges.
// Each graph takes its ops' buffers from a Region of its own, and every
// Region starts at the beginning of the Arena, so that the graphs together
// need the memory of the largest alone instead of the sum of all. Within a
// region, buffers whose lifetimes in the run do not overlap share memory
// too (see Region.Live and Region.Pack).
//
// What one graph's run leaves in its buffers does not survive another
// graph's run: read the results (losses, gradients, images) before running
// the next graph. An Arena is not safe for concurrent use.
//
// Scratch that an op needs only while it runs (a GEMM's result before it
// is rearranged) is reserved with ReserveScratch: one span, as long as the
// longest, serves every such buffer of every graph.
type Arena struct {
	mem     []float32
	regions []*Region

	scratch     []float32
	scratchNeed int
}

// NewArena returns an empty arena; its memory is allocated by the first
// run that needs it.
func NewArena() *Arena { return &Arena{} }

// Size returns the number of float32 values the arena holds: its largest
// region and its longest scratch buffer.
func (a *Arena) Size() int { return a.need() + a.scratchNeed }

// need is the size of the largest region.
func (a *Arena) need() int {
	n := 0
	for _, r := range a.regions {
		n = max(n, r.size)
	}
	return n
}

// Region returns a new, empty region at the start of the arena, for the
// buffers of one graph.
func (a *Arena) Region() *Region {
	r := &Region{arena: a, last: Forever}
	a.regions = append(a.regions, r)
	return r
}

// span returns the arena's values [off, off+n). The memory grows when a
// larger region was reserved since the last run, which happens only when
// a graph is compiled, between runs: no value in use is dropped.
func (a *Arena) span(off, n int) []float32 {
	if need := a.need(); len(a.mem) < need {
		a.mem = nil // let the old memory go before the new is allocated
		a.mem = make([]float32, need)
	}
	return a.mem[off : off+n : off+n]
}

// scratchSpan returns the first n values of the scratch span.
func (a *Arena) scratchSpan(n int) []float32 {
	if len(a.scratch) < a.scratchNeed {
		a.scratch = nil
		a.scratch = make([]float32, a.scratchNeed)
	}
	return a.scratch[:n:n]
}

// Region is the buffers of one graph: spans of its arena, consecutive
// until Pack lays them out by lifetime.
type Region struct {
	arena       *Arena
	size        int
	first, last int // the lifetime of the buffers reserved next
	buffers     []*Buffer
}

// Forever is the end of a lifetime that outlasts the run: a value read
// after it.
const Forever = int(^uint(0) >> 1)

// align keeps every span on a 64-byte boundary of the arena, so that the
// kernels' vector loads do not straddle cache lines more than their own
// allocations would.
const align = 16

// Size returns the number of float32 values reserved in the region.
func (r *Region) Size() int { return r.size }

// Live says that the buffers reserved next are written at step first of
// the graph's run (the op's position in it) and read no later than step
// last. Without a call, buffers live for the whole run.
func (r *Region) Live(first, last int) { r.first, r.last = first, last }

// reserve places b's n values after those reserved before.
func (r *Region) reserve(b *Buffer, n int) {
	b.off, b.first, b.last = r.size, r.first, r.last
	r.size += padded(n)
	r.buffers = append(r.buffers, b)
}

// Pack lays the region's buffers out again so that two buffers share
// memory only when their lifetimes do not overlap: the largest first,
// each at the lowest offset free for its whole lifetime.
func (r *Region) Pack() {
	order := append([]*Buffer(nil), r.buffers...)
	sort.SliceStable(order, func(i, j int) bool { return order[i].n > order[j].n })
	type span struct{ lo, hi int }
	var placed []*Buffer
	r.size = 0
	for _, b := range order {
		var busy []span
		for _, p := range placed {
			if p.first <= b.last && b.first <= p.last {
				busy = append(busy, span{p.off, p.off + padded(p.n)})
			}
		}
		sort.Slice(busy, func(i, j int) bool { return busy[i].lo < busy[j].lo })
		off := 0
		for _, s := range busy {
			if off+padded(b.n) <= s.lo {
				break
			}
			off = max(off, s.hi)
		}
		b.off = off
		placed = append(placed, b)
		r.size = max(r.size, off+padded(b.n))
	}
}

// padded is n rounded up to the alignment.
func padded(n int) int { return (n + align - 1) / align * align }

// Buffer is an op's working memory of a fixed length: a span of a region
// once Reserve has placed it, or else a slice of its own, allocated on
// first use. The zero Buffer is ready to use.
type Buffer struct {
	arena       *Arena
	off, n      int
	first, last int  // its lifetime in a run of the region's graph
	scratch     bool // in the arena's scratch span
	own         []float32
}

// Reserve places the buffer's n values in r.
func (b *Buffer) Reserve(r *Region, n int) {
	*b = Buffer{arena: r.arena, n: n}
	r.reserve(b, n)
}

// ReserveScratch places the buffer's n values in the scratch span of r's
// arena, which every scratch buffer shares: use it only for values that
// do not outlive one run of the op (one call of Do).
func (b *Buffer) ReserveScratch(r *Region, n int) {
	*b = Buffer{arena: r.arena, n: n, scratch: true}
	r.arena.scratchNeed = max(r.arena.scratchNeed, n)
}

// Floats returns the buffer's n values. Their contents are what this op
// last wrote only until another graph of the arena runs, or for scratch,
// another op.
func (b *Buffer) Floats(n int) []float32 {
	if b.arena != nil && n == b.n {
		if b.scratch {
			return b.arena.scratchSpan(n)
		}
		return b.arena.span(b.off, n)
	}
	if len(b.own) != n {
		b.own = make([]float32, n)
	}
	return b.own
}

// Output is an op's output tensor over a Buffer, returned from every run.
// The tape machine recycles registers, so a later gorgonia op (Reshape)
// may have reshaped the tensor in place, or made it a view: its shape is
// restored, and a new header is made only when that fails or the memory
// moved.
type Output struct {
	Buffer
	t *tensor.Dense
}

// Get returns the output tensor with the given shape and its data.
func (o *Output) Get(shape tensor.Shape) (*tensor.Dense, []float32) {
	data := o.Floats(shape.TotalSize())
	if t := o.t; t != nil && !t.IsView() && len(t.Float32s()) == len(data) && &t.Float32s()[0] == &data[0] {
		if t.Shape().Eq(shape) || t.Reshape(shape...) == nil {
			return t, data
		}
	}
	o.t = tensor.New(tensor.WithShape(shape.Clone()...), tensor.WithBacking(data))
	return o.t, data
}

// Ran reports whether Get was called: whether the op has run.
func (o *Output) Ran() bool { return o.t != nil }

// InRegion is an op whose buffers can live in a graph's region. The model
// builder calls UseRegion once, after the graph is built and before it
// first runs, with the lifetime of the op's value set (Region.Live).
// Its buffers hold what it computes and never alias its inputs.
type InRegion interface {
	UseRegion(r *Region)
}

// Follower is an op that, when it runs, reads buffers of another op
// besides the values it is given: a backward op reading the columns,
// factors or mask its forward op saved. Those buffers must live until it
// has run.
type Follower interface {
	Follows() InRegion
}
