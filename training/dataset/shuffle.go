package dataset

import "math/rand/v2"

// Permutation returns a shuffled order of 0..Len()-1 that depends only on
// seed and epoch (a Fisher–Yates shuffle driven by PCG), so a training run
// can be repeated exactly.
func (d *Dataset) Permutation(seed uint64, epoch int) []int {
	n := d.Len()
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	rng := rand.NewPCG(seed, uint64(int64(epoch))^0x9e3779b97f4a7c15)
	for i := n - 1; i > 0; i-- {
		j := int(boundedRand(rng, uint64(i+1)))
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// boundedRand returns a uniform value in [0, n) (Lemire's method), written
// out here so that the shuffle never changes with the Go version.
func boundedRand(src *rand.PCG, n uint64) uint64 {
	for {
		x := src.Uint64()
		hi, lo := mul64(x, n)
		if lo < n {
			if thresh := -n % n; lo < thresh {
				continue
			}
		}
		return hi
	}
}

func mul64(a, b uint64) (hi, lo uint64) {
	const mask32 = 1<<32 - 1
	a0, a1 := a&mask32, a>>32
	b0, b1 := b&mask32, b>>32
	w0 := a0 * b0
	t := a1*b0 + w0>>32
	w1 := t&mask32 + a0*b1
	return a1*b1 + t>>32 + w1>>32, a * b
}
