// Package linear provides the GEMM-backed layers of the GAN networks as
// custom gorgonia ops on float32 NCHW tensors: Conv2D, ConvTranspose2D and
// Dense, each with symbolic gradients for its input, weights and bias.
//
// gorgonia's own Conv2d only pads symmetrically (so TF 'same' is off by a
// pixel), has no transposed convolution, and spends most of a training step
// on transposes, broadcasts and fresh allocations. These ops run every
// product as one sgemm over the whole batch, fuse the bias, split the
// memory-bound passes over all cores, and own their buffers.
//
// Buffer ownership: every op node allocates its output and scratch buffers
// on its first run and reuses them on every later run, returning the same
// *tensor.Dense each time. A node's value is therefore only valid until the
// next run of its machine, and one graph must not be run by two machines at
// once. Placed in a region of a graphop.Arena (UseRegion), the buffers are
// shared with the other graphs of that arena, and a value is valid only
// until the next run of any of them. The weight-gradient nodes read the GEMM input of their forward node
// (the im2col columns, or a transposed convolution's channel-major input)
// instead of rebuilding it; that is sound in a TapeMachine, which runs
// the forward node earlier in the same run, and is checked cheaply (by the
// address of the input) so that a mismatch rebuilds rather than reads stale
// columns.
package linear
