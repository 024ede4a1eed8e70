// Package nn provides gorgonia Ops for the non-GEMM layers of GAN Studio's
// DCGANs: batch normalisation, leaky ReLU, inverted dropout, a fused
// BatchNorm→LeakyReLU→dropout, and a numerically stable sigmoid
// cross-entropy on logits.
//
// gorgonia's own versions of these either allocate on every run, build the
// activation from several element-wise ops, or (dropout) have a wrong
// gradient, so each Op here is hand-written: float32 only, NCHW layout, a
// symbolic derivative (gorgonia.SDOp) whose backward Ops are also custom,
// and output/scratch buffers owned by the Op and reused on every run of a
// tape machine. An Op therefore returns the same *tensor.Dense from every
// run: its value is only valid until the next run of the graph.
//
// Because buffers are owned by the Op instance, a node built by this package
// must not be run by two machines concurrently.
package nn
