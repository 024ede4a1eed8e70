// Package onnx writes ONNX models (https://onnx.ai): a graph of standard
// operators with its weights, which ONNX Runtime, browsers and most
// inference engines run. It writes the few protobuf messages a
// feed-forward graph needs (ModelProto, GraphProto, NodeProto,
// TensorProto, ValueInfoProto) with protowire, protobuf's own wire-format
// encoder, each field under the name onnx.proto gives it (wire.go), so
// that GAN Studio needs neither generated code nor protoc.
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
// weights and the graph's inputs and outputs, each an encoded message.
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
// outputs, the names of values in the graph. The node is named after its
// first output.
func (g *Graph) Node(opType string, inputs, outputs []string, attrs ...Attr) {
	var b []byte
	for _, in := range inputs {
		b = appendString(b, nodeInput, in)
	}
	for _, out := range outputs {
		b = appendString(b, nodeOutput, out)
	}
	b = appendString(b, nodeName, outputs[0])
	b = appendString(b, nodeOpType, opType)
	for _, a := range attrs {
		b = appendMessage(b, nodeAttribute, a.encode())
	}
	g.nodes = append(g.nodes, b)
}

// encode writes the AttributeProto of a.
func (a Attr) encode() []byte {
	b := appendString(nil, attrName, a.Name)
	switch {
	case a.Float != nil:
		b = appendFloat(b, attrF, *a.Float)
		b = appendVarint(b, attrType, attrTypeFloat)
	case a.Int != nil:
		b = appendVarint(b, attrI, uint64(*a.Int))
		b = appendVarint(b, attrType, attrTypeInt)
	default:
		b = appendPacked(b, attrInts, a.Ints)
		b = appendVarint(b, attrType, attrTypeInts)
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

// tensor writes a TensorProto whose values are raw, little-endian.
func tensor(name string, dtype int, shape []int, raw []byte) []byte {
	var b []byte
	for _, d := range shape {
		b = appendVarint(b, tensorDims, uint64(d))
	}
	b = appendVarint(b, tensorDataType, uint64(dtype))
	b = appendString(b, tensorName, name)
	return appendMessage(b, tensorRawData, raw)
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

// valueInfo writes the ValueInfoProto of a float tensor of shape dims.
func valueInfo(name string, dims []Dim) []byte {
	var shape []byte
	for _, d := range dims {
		var dim []byte
		if d.Name != "" {
			dim = appendString(dim, dimParam, d.Name)
		} else {
			dim = appendVarint(dim, dimValue, uint64(d.Size))
		}
		shape = appendMessage(shape, shapeDim, dim)
	}
	tt := appendVarint(nil, tensorTypeElemType, Float)
	tt = appendMessage(tt, tensorTypeShape, shape)
	typ := appendMessage(nil, typeTensorType, tt)
	b := appendString(nil, valueInfoName, name)
	return appendMessage(b, valueInfoType, typ)
}

// Model returns the serialised ModelProto of the graph.
func (g *Graph) Model(producer, doc string) []byte {
	var gb []byte
	for _, n := range g.nodes {
		gb = appendMessage(gb, graphNode, n)
	}
	gb = appendString(gb, graphName, g.Name)
	for _, w := range g.weights {
		gb = appendMessage(gb, graphInitializer, w)
	}
	for _, in := range g.inputs {
		gb = appendMessage(gb, graphInput, in)
	}
	for _, out := range g.outputs {
		gb = appendMessage(gb, graphOutput, out)
	}
	var b []byte
	b = appendVarint(b, modelIRVersion, IRVersion)
	b = appendString(b, modelProducerName, producer)
	b = appendString(b, modelDocString, doc)
	b = appendMessage(b, modelGraph, gb)
	opset := appendString(nil, opsetDomain, "") // "": the default operator set
	opset = appendVarint(opset, opsetVersion, Opset)
	return appendMessage(b, modelOpsetImport, opset)
}
