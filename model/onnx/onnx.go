// Package onnx writes ONNX models (https://onnx.ai): a graph of standard
// operators with its weights, which ONNX Runtime, browsers and most
// inference engines run. It encodes the few protobuf messages a
// feed-forward graph needs (ModelProto, GraphProto, NodeProto, TensorProto,
// ValueInfoProto) by hand, so that GAN Studio needs no protobuf library.
package onnx

import (
	"encoding/binary"
	"math"
)

// The format versions written: IR version 8 with the default operator
// set 13, which every ONNX Runtime since 1.10 runs.
const (
	IRVersion = 8
	Opset     = 13
)

// Element types of TensorProto.DataType.
const (
	Float = 1
	Int64 = 7
)

// Graph is a model under construction: nodes in execution order, their
// weights and the graph's inputs and outputs.
type Graph struct {
	Name    string
	nodes   [][]byte
	weights [][]byte
	inputs  [][]byte
	outputs [][]byte
}

// Attr is one attribute of a node: exactly one of its values is set.
type Attr struct {
	Name  string
	Int   *int64
	Float *float32
	Ints  []int64
}

// Int returns an integer attribute.
func Int(name string, v int64) Attr { return Attr{Name: name, Int: &v} }

// FloatAttr returns a float attribute.
func FloatAttr(name string, v float32) Attr { return Attr{Name: name, Float: &v} }

// Ints returns an integer list attribute.
func Ints(name string, v ...int64) Attr { return Attr{Name: name, Ints: v} }

// Node adds an operator: opType (e.g. "Conv") reading inputs and writing
// outputs, the names of values in the graph.
func (g *Graph) Node(opType string, inputs, outputs []string, attrs ...Attr) {
	var b []byte
	for _, in := range inputs {
		b = appendString(b, 1, in)
	}
	for _, out := range outputs {
		b = appendString(b, 2, out)
	}
	b = appendString(b, 3, outputs[0])
	b = appendString(b, 4, opType)
	for _, a := range attrs {
		b = appendBytes(b, 5, a.encode())
	}
	g.nodes = append(g.nodes, b)
}

func (a Attr) encode() []byte {
	b := appendString(nil, 1, a.Name)
	switch {
	case a.Float != nil:
		b = appendTag(b, 2, 5)
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(*a.Float))
		b = appendVarintField(b, 20, 1) // AttributeType FLOAT
	case a.Int != nil:
		b = appendVarintField(b, 3, uint64(*a.Int))
		b = appendVarintField(b, 20, 2) // INT
	default:
		var packed []byte
		for _, v := range a.Ints {
			packed = binary.AppendUvarint(packed, uint64(v))
		}
		b = appendBytes(b, 8, packed)
		b = appendVarintField(b, 20, 7) // INTS
	}
	return b
}

// Weight adds a constant float tensor called name.
func (g *Graph) Weight(name string, shape []int, data []float32) {
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	g.weights = append(g.weights, tensor(name, Float, shape, raw))
}

// Int64s adds a constant int64 tensor called name (a shape, say).
func (g *Graph) Int64s(name string, data ...int64) {
	raw := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
	}
	g.weights = append(g.weights, tensor(name, Int64, []int{len(data)}, raw))
}

func tensor(name string, dtype int, shape []int, raw []byte) []byte {
	var b []byte
	for _, d := range shape {
		b = appendVarintField(b, 1, uint64(d))
	}
	b = appendVarintField(b, 2, uint64(dtype))
	b = appendString(b, 8, name)
	return appendBytes(b, 9, raw)
}

// Dim is one dimension of an input or output: a size, or with Name a
// symbolic size fixed only when the model runs (a dynamic batch).
type Dim struct {
	Size int
	Name string
}

// Input declares a float graph input.
func (g *Graph) Input(name string, dims ...Dim) { g.inputs = append(g.inputs, valueInfo(name, dims)) }

// Output declares a float graph output.
func (g *Graph) Output(name string, dims ...Dim) {
	g.outputs = append(g.outputs, valueInfo(name, dims))
}

func valueInfo(name string, dims []Dim) []byte {
	var shape []byte
	for _, d := range dims {
		var dim []byte
		if d.Name != "" {
			dim = appendString(dim, 2, d.Name)
		} else {
			dim = appendVarintField(dim, 1, uint64(d.Size))
		}
		shape = appendBytes(shape, 1, dim)
	}
	tt := appendVarintField(nil, 1, Float)
	tt = appendBytes(tt, 2, shape)
	typ := appendBytes(nil, 1, tt)
	b := appendString(nil, 1, name)
	return appendBytes(b, 2, typ)
}

// Model returns the serialised ModelProto of the graph.
func (g *Graph) Model(producer, doc string) []byte {
	var gb []byte
	for _, n := range g.nodes {
		gb = appendBytes(gb, 1, n)
	}
	gb = appendString(gb, 2, g.Name)
	for _, w := range g.weights {
		gb = appendBytes(gb, 5, w)
	}
	for _, in := range g.inputs {
		gb = appendBytes(gb, 11, in)
	}
	for _, out := range g.outputs {
		gb = appendBytes(gb, 12, out)
	}
	var b []byte
	b = appendVarintField(b, 1, IRVersion)
	b = appendString(b, 2, producer)
	b = appendString(b, 6, doc)
	b = appendBytes(b, 7, gb)
	opset := appendString(nil, 1, "")
	opset = appendVarintField(opset, 2, Opset)
	return appendBytes(b, 8, opset)
}

// Protobuf's wire format: a tag (field number and wire type) then a
// varint (type 0), 4 little-endian bytes (type 5) or a length-prefixed
// byte string (type 2).

func appendTag(b []byte, field, wire int) []byte {
	return binary.AppendUvarint(b, uint64(field<<3|wire))
}

func appendVarintField(b []byte, field int, v uint64) []byte {
	return binary.AppendUvarint(appendTag(b, field, 0), v)
}

func appendBytes(b []byte, field int, v []byte) []byte {
	b = binary.AppendUvarint(appendTag(b, field, 2), uint64(len(v)))
	return append(b, v...)
}

func appendString(b []byte, field int, s string) []byte { return appendBytes(b, field, []byte(s)) }
