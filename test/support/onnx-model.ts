/**
 * Small ONNX models, written byte by byte, so the model-based segmenter runs its real loading
 * and inference code in tests without a downloaded model. Only the parts of the protobuf wire
 * format (varints, length-delimited fields) and of onnx.proto that such graphs need:
 *
 *   ModelProto     ir_version 1, producer_name 2, graph 7, opset_import 8
 *   OperatorSetId  domain 1, version 2
 *   GraphProto     node 1, name 2, initializer 5, input 11, output 12
 *   NodeProto      input 1, output 2, name 3, op_type 4, attribute 5
 *   AttributeProto name 1, i 3, s 4, ints 8, type 20 (INT 2, STRING 3, INTS 7)
 *   TensorProto    dims 1, data_type 2 (FLOAT 1, INT64 7), name 8, raw_data 9 (little-endian)
 *   ValueInfo      name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2
 *   TensorShape    dim 1 → dim_value 1 | dim_param 2
 */

type Bytes = Uint8Array;

const varint = (value: number): number[] => {
  const out: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
};

const concat = (parts: Bytes[]): Bytes => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

/** Wire type 0: a non-negative integer. */
const int = (field: number, value: number): Bytes =>
  Uint8Array.from([...varint(field << 3), ...varint(value)]);

/** Wire type 2: bytes, a string or an embedded message. */
const bytes = (field: number, value: Bytes): Bytes =>
  concat([Uint8Array.from([...varint((field << 3) | 2), ...varint(value.length)]), value]);

const text = (field: number, value: string): Bytes => bytes(field, new TextEncoder().encode(value));

const message = (field: number, ...parts: Bytes[]): Bytes => bytes(field, concat(parts));

const FLOAT = 1;
const INT64 = 7;

/** A dimension: a fixed size, or a name that leaves it open. */
export type Dim = number | string;

/** A node attribute: an integer, a list of integers, or a string. */
export type Attribute = number | number[] | string;

export interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, Attribute>;
}

export interface Initializer {
  name: string;
  dims: number[];
  /** float32 values, or int64 with `int64: true`. */
  values: ArrayLike<number>;
  int64?: boolean;
}

export interface Graph {
  nodes: Node[];
  initializers: Initializer[];
  inputs: { name: string; shape: Dim[] }[];
  outputs: { name: string; shape: Dim[] }[];
  opset?: number;
}

const attribute = (name: string, value: Attribute): Bytes => {
  if (typeof value === 'string')
    return message(5, text(1, name), bytes(4, new TextEncoder().encode(value)), int(20, 3));
  if (typeof value === 'number') return message(5, text(1, name), int(3, value), int(20, 2));
  return message(5, text(1, name), ...value.map((item) => int(8, item)), int(20, 7));
};

const nodeBytes = ({ op, inputs, outputs, attributes = {} }: Node, index: number): Bytes =>
  message(
    1,
    ...inputs.map((input) => text(1, input)),
    ...outputs.map((output) => text(2, output)),
    text(3, `${op}_${index}`),
    text(4, op),
    ...Object.entries(attributes).map(([name, value]) => attribute(name, value)),
  );

const initializerBytes = ({ name, dims, values, int64 = false }: Initializer): Bytes => {
  const raw = int64
    ? new Uint8Array(BigInt64Array.from(Array.from(values, (value) => BigInt(value))).buffer)
    : new Uint8Array(Float32Array.from(values).buffer);
  return message(
    5,
    ...dims.map((dim) => int(1, dim)),
    int(2, int64 ? INT64 : FLOAT),
    text(8, name),
    bytes(9, raw),
  );
};

const valueInfo = (field: number, name: string, shape: Dim[]): Bytes =>
  message(
    field,
    text(1, name),
    message(
      2,
      message(
        1,
        int(1, FLOAT),
        message(2, ...shape.map((dim) => message(1, typeof dim === 'number' ? int(1, dim) : text(2, dim)))),
      ),
    ),
  );

/** A serialised ModelProto (IR version 8, default domain) for `graph`. */
export const onnxModel = (graph: Graph): Bytes =>
  concat([
    int(1, 8),
    text(2, 'imgpro-tests'),
    message(
      7,
      ...graph.nodes.map(nodeBytes),
      text(2, 'graph'),
      ...graph.initializers.map(initializerBytes),
      ...graph.inputs.map(({ name, shape }) => valueInfo(11, name, shape)),
      ...graph.outputs.map(({ name, shape }) => valueInfo(12, name, shape)),
    ),
    message(8, text(1, ''), int(2, graph.opset ?? 13)),
  ]);

export interface TinySegmentationModel {
  /** Input height and width: numbers fix them, names leave them open. */
  height: Dim;
  width: Dim;
  /** Weights of R, G and B in a 1×1 convolution, and its bias. */
  weights: [number, number, number];
  bias: number;
}

/**
 * A "segmentation model" small enough to reason about: input `image` [1, 3, H, W] float32,
 * output `mask` [1, 1, H, W] = sigmoid(wR·R + wG·G + wB·B + bias) at every pixel (a 1×1 Conv, then
 * Sigmoid).
 */
export const tinySegmentationModel = ({ height, width, weights, bias }: TinySegmentationModel): Bytes =>
  onnxModel({
    nodes: [
      { op: 'Conv', inputs: ['image', 'weight', 'bias'], outputs: ['logit'] },
      { op: 'Sigmoid', inputs: ['logit'], outputs: ['mask'] },
    ],
    initializers: [
      { name: 'weight', dims: [1, 3, 1, 1], values: weights },
      { name: 'bias', dims: [1], values: [bias] },
    ],
    inputs: [{ name: 'image', shape: [1, 3, height, width] }],
    outputs: [{ name: 'mask', shape: [1, 1, height, width] }],
  });

export const sigmoid = (value: number): number => 1 / (1 + Math.exp(-value));
