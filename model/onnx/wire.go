package onnx

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// The fields written, by the names and numbers onnx.proto gives them.
const (
	// ModelProto
	modelIRVersion    protowire.Number = 1
	modelProducerName protowire.Number = 2
	modelDocString    protowire.Number = 6
	modelGraph        protowire.Number = 7
	modelOpsetImport  protowire.Number = 8
	// OperatorSetIdProto
	opsetDomain  protowire.Number = 1
	opsetVersion protowire.Number = 2
	// GraphProto
	graphNode        protowire.Number = 1
	graphName        protowire.Number = 2
	graphInitializer protowire.Number = 5
	graphInput       protowire.Number = 11
	graphOutput      protowire.Number = 12
	// NodeProto
	nodeInput     protowire.Number = 1
	nodeOutput    protowire.Number = 2
	nodeName      protowire.Number = 3
	nodeOpType    protowire.Number = 4
	nodeAttribute protowire.Number = 5
	// AttributeProto, and its AttributeType values
	attrName      protowire.Number = 1
	attrF         protowire.Number = 2
	attrI         protowire.Number = 3
	attrInts      protowire.Number = 8
	attrType      protowire.Number = 20
	attrTypeFloat                  = 1
	attrTypeInt                    = 2
	attrTypeInts                   = 7
	// TensorProto
	tensorDims     protowire.Number = 1
	tensorDataType protowire.Number = 2
	tensorName     protowire.Number = 8
	tensorRawData  protowire.Number = 9
	// ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto and
	// its Dimension
	valueInfoName      protowire.Number = 1
	valueInfoType      protowire.Number = 2
	typeTensorType     protowire.Number = 1
	tensorTypeElemType protowire.Number = 1
	tensorTypeShape    protowire.Number = 2
	shapeDim           protowire.Number = 1
	dimValue           protowire.Number = 1
	dimParam           protowire.Number = 2
)

func appendVarint(b []byte, field protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(b, field, protowire.VarintType), v)
}

func appendFloat(b []byte, field protowire.Number, v float32) []byte {
	return protowire.AppendFixed32(protowire.AppendTag(b, field, protowire.Fixed32Type), math.Float32bits(v))
}

// appendMessage writes an embedded message, or bytes, as a
// length-delimited field.
func appendMessage(b []byte, field protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(b, field, protowire.BytesType), v)
}

func appendString(b []byte, field protowire.Number, s string) []byte {
	return protowire.AppendString(protowire.AppendTag(b, field, protowire.BytesType), s)
}

// appendPacked writes a repeated int64 field packed, as proto3 does.
func appendPacked(b []byte, field protowire.Number, vs []int64) []byte {
	var packed []byte
	for _, v := range vs {
		packed = protowire.AppendVarint(packed, uint64(v))
	}
	return appendMessage(b, field, packed)
}
