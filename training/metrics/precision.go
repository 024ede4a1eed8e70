package metrics

import (
	"math"

	"github.com/ganstudio/ganstudio/model/kernels"
)

// precisionRecall computes Kynkäänniemi et al.'s improved precision and
// recall between m real and m fake rows of f features, with k = K.
func precisionRecall(real, fake []float32, m, f int) (precision, recall float64) {
	realR := knnRadii(real, m, f)
	fakeR := knnRadii(fake, m, f)
	return inside(fake, real, realR, m, f), inside(real, fake, fakeR, m, f)
}

// rowBlock is the number of query rows whose distances are held at once.
const rowBlock = 256

// sqDistances fills d (rows×m) with the squared distances between rows
// q[lo:lo+rows] of a and all m rows of b; norms are the rows' squared
// lengths.
func sqDistances(a []float32, aNorm []float32, lo, rows int, b []float32, bNorm []float32, m, f int, d []float32) {
	kernels.Sgemm(false, true, rows, m, f, -2, a[lo*f:(lo+rows)*f], f, b, f, 0, d, m)
	for i := 0; i < rows; i++ {
		row := d[i*m : (i+1)*m]
		ai := aNorm[lo+i]
		for j := range row {
			// Rounding leaves identical rows a tiny positive distance;
			// snap it to 0 so that duplicates fall inside each other's
			// zero-radius balls.
			s := ai + bNorm[j]
			if v := row[j] + s; v > 1e-5*s {
				row[j] = v
			} else {
				row[j] = 0
			}
		}
	}
}

func norms(x []float32, m, f int) []float32 {
	out := make([]float32, m)
	for i := range out {
		var s float32
		for _, v := range x[i*f : (i+1)*f] {
			s += v * v
		}
		out[i] = s
	}
	return out
}

// knnRadii returns, for each of the m rows of x, the squared distance to
// its K-th nearest other row.
func knnRadii(x []float32, m, f int) []float32 {
	nx := norms(x, m, f)
	radii := make([]float32, m)
	d := make([]float32, rowBlock*m)
	for lo := 0; lo < m; lo += rowBlock {
		rows := min(rowBlock, m-lo)
		sqDistances(x, nx, lo, rows, x, nx, m, f, d)
		for i := 0; i < rows; i++ {
			row := d[i*m : (i+1)*m]
			var best [K]float32 // ascending
			for k := range best {
				best[k] = float32(math.Inf(1))
			}
			for j, v := range row {
				if j == lo+i || v >= best[K-1] {
					continue
				}
				k := K - 1
				for k > 0 && best[k-1] > v {
					best[k] = best[k-1]
					k--
				}
				best[k] = v
			}
			radii[lo+i] = best[K-1]
		}
	}
	return radii
}

// inside returns the share of the m rows of q that lie within the ball of
// at least one row of p (squared radii pr).
func inside(q, p []float32, pr []float32, m, f int) float64 {
	nq, np := norms(q, m, f), norms(p, m, f)
	d := make([]float32, rowBlock*m)
	count := 0
	for lo := 0; lo < m; lo += rowBlock {
		rows := min(rowBlock, m-lo)
		sqDistances(q, nq, lo, rows, p, np, m, f, d)
		for i := 0; i < rows; i++ {
			for j, v := range d[i*m : (i+1)*m] {
				if v <= pr[j] {
					count++
					break
				}
			}
		}
	}
	return float64(count) / float64(m)
}
