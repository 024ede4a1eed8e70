package kernels

import "fmt"

// ToCN copies a batch from NCHW order, src = [n][c][hw], to channel-major
// order, dst = [c][n·hw]. Batch GEMMs read and write channel-major matrices;
// this is the one copy needed to feed them from (or return them to) NCHW.
func ToCN(n, c, hw int, src, dst []float32) {
	if len(src) < n*c*hw || len(dst) < n*c*hw {
		panic(fmt.Sprintf("kernels: ToCN with len(src)=%d len(dst)=%d for %dx%dx%d", len(src), len(dst), n, c, hw))
	}
	ParallelForGrain(n*c, grainFor(hw), func(lo, hi int) {
		for item := lo; item < hi; item++ {
			// Channel-major items: the writes run in order, which matters
			// most for small planes (hw = 16: a cache line per item).
			ch, img := item/n, item%n
			copy(dst[(ch*n+img)*hw:(ch*n+img+1)*hw], src[(img*c+ch)*hw:])
		}
	})
}

// FromCN is the inverse of ToCN, from [c][n·hw] to [n][c][hw], adding
// bias[ch] to every value of channel ch when bias is not nil: the bias add of
// a convolution rides on the copy it needs anyway.
func FromCN(n, c, hw int, src, bias, dst []float32) {
	if len(src) < n*c*hw || len(dst) < n*c*hw || (bias != nil && len(bias) < c) {
		panic(fmt.Sprintf("kernels: FromCN with len(src)=%d len(bias)=%d len(dst)=%d for %dx%dx%d", len(src), len(bias), len(dst), n, c, hw))
	}
	ParallelForGrain(n*c, grainFor(hw), func(lo, hi int) {
		for item := lo; item < hi; item++ {
			img, ch := item/c, item%c
			out := dst[item*hw : (item+1)*hw]
			in := src[(ch*n+img)*hw:]
			if bias == nil {
				copy(out, in)
				continue
			}
			b := bias[ch]
			for i := range out {
				out[i] = in[i] + b
			}
		}
	})
}

// AddRowVector adds v (length cols) to every row of the rows×cols matrix m:
// the bias of a dense layer.
func AddRowVector(rows, cols int, v, m []float32) {
	if len(v) < cols || len(m) < rows*cols {
		panic(fmt.Sprintf("kernels: AddRowVector with len(v)=%d len(m)=%d for %dx%d", len(v), len(m), rows, cols))
	}
	ParallelForGrain(rows, grainFor(cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := m[r*cols : (r+1)*cols]
			for i := range row {
				row[i] += v[i]
			}
		}
	})
}

// ChannelSums sets dst[ch] to the sum of channel ch over a batch in NCHW
// order, src = [n][c][hw]: the bias gradient of a convolution. A dense
// layer's [n][c] gradient is the case hw = 1. Sums run in float64 so that
// large batches do not lose the small terms.
func ChannelSums(n, c, hw int, src, dst []float32) {
	if len(src) < n*c*hw || len(dst) < c {
		panic(fmt.Sprintf("kernels: ChannelSums with len(src)=%d len(dst)=%d for %dx%dx%d", len(src), len(dst), n, c, hw))
	}
	ParallelForGrain(c, grainFor(n*hw), func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			var s float64
			for img := 0; img < n; img++ {
				for _, v := range src[(img*c+ch)*hw : (img*c+ch+1)*hw] {
					s += float64(v)
				}
			}
			dst[ch] = float32(s)
		}
	})
}
