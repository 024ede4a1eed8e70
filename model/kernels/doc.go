// Package kernels holds the plain numeric kernels behind the GEMM-backed
// layers: a row-major sgemm, a range splitter for the two-core machines the
// app runs on, and im2col/col2im with TensorFlow-exact asymmetric padding.
//
// Nothing here knows about gorgonia; every function works on flat float32
// slices in NCHW order so the same code serves graph ops and tests.
package kernels
