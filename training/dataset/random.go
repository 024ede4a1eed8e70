package dataset

import "math/rand/v2"

// Random returns n images of uniform noise, size×size×channels, drawn
// from seed and labelled with classes in turn (none: unlabelled). It
// stands in for a data set where only the network's speed matters
// ("ganstudio bench --random-data").
func Random(size, channels, n int, classes []string, seed uint64) *Dataset {
	n = max(n, 0)
	rng := rand.New(rand.NewPCG(seed, 0x72616e64)) // its own stream: nothing else draws from it
	pix := make([]byte, n*size*size*channels)
	for i := range pix {
		pix[i] = byte(rng.UintN(256))
	}
	var labels []int32
	if len(classes) > 0 {
		labels = make([]int32, n)
		for i := range labels {
			labels[i] = int32(i % len(classes))
		}
	}
	return &Dataset{name: "random", size: size, chans: channels, pix: pix, labels: labels,
		classes: append([]string(nil), classes...), source: "uniform noise"}
}
