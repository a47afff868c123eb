import { type Initializer, type Node, onnxModel } from './onnx-model.ts';

/**
 * A stand-in for U²-Netp with the published architecture's layer shapes — the same nested RSU
 * blocks (RSU7…RSU4F, 16 mid / 64 out channels), dilations, pooling, bilinear upsampling,
 * concatenations, six side outputs fused by a 1×1 convolution, sigmoid — at 1×3×320×320, but
 * with made-up weights and batch norm folded away. It computes what the real model computes,
 * so its time and memory are the real model's to within the folded batch norms; its masks mean
 * nothing. For measuring where segmentation can run, on machines that cannot download models.
 */
export const u2netpProxyModel = (size = 320): Uint8Array => {
  const nodes: Node[] = [];
  const initializers: Initializer[] = [];
  let counter = 0;
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648 - 0.5;
  };
  const name = (prefix: string) => `${prefix}${counter++}`;
  const scaleTensors = new Map<number, string>();

  const conv = (input: string, inChannels: number, outChannels: number, dilation = 1, kernel = 3): string => {
    const weight = name('w');
    const bias = name('b');
    const amplitude = 2 / Math.sqrt(kernel * kernel * inChannels);
    initializers.push({
      name: weight,
      dims: [outChannels, inChannels, kernel, kernel],
      values: Array.from({ length: outChannels * inChannels * kernel * kernel }, () => random() * amplitude),
    });
    initializers.push({
      name: bias,
      dims: [outChannels],
      values: Array.from({ length: outChannels }, () => random() * 0.1),
    });
    const out = name('conv');
    const pad = kernel === 3 ? dilation : 0;
    nodes.push({
      op: 'Conv',
      inputs: [input, weight, bias],
      outputs: [out],
      attributes: {
        kernel_shape: [kernel, kernel],
        pads: [pad, pad, pad, pad],
        dilations: [dilation, dilation],
      },
    });
    return out;
  };
  const op = (type: string, inputs: string[], attributes?: Node['attributes']): string => {
    const out = name(type.toLowerCase());
    nodes.push({ op: type, inputs, outputs: [out], ...(attributes && { attributes }) });
    return out;
  };
  /** REBNCONV: 3×3 convolution (batch norm folded in) and ReLU. */
  const rebn = (input: string, inChannels: number, outChannels: number, dilation = 1) =>
    op('Relu', [conv(input, inChannels, outChannels, dilation)]);
  const pool = (input: string) =>
    op('MaxPool', [input], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 });
  const cat = (...inputs: string[]) => op('Concat', inputs, { axis: 1 });
  const up = (input: string, factor: number) => {
    let scales = scaleTensors.get(factor);
    if (!scales) {
      scales = name('scales');
      initializers.push({ name: scales, dims: [4], values: [1, 1, factor, factor] });
      scaleTensors.set(factor, scales);
    }
    return op('Resize', [input, '', scales], { mode: 'linear' });
  };

  /** RSU-L: a small U-Net of `levels` − 1 resolutions inside a residual block. */
  const rsu = (input: string, levels: number, inChannels: number, mid: number, out: number): string => {
    const hxin = rebn(input, inChannels, out);
    const encoded: string[] = [rebn(hxin, out, mid)];
    for (let level = 2; level < levels; level++) encoded.push(rebn(pool(encoded.at(-1) ?? ''), mid, mid));
    let decoded = rebn(encoded.at(-1) ?? '', mid, mid, 2);
    for (let level = encoded.length - 1; level >= 0; level--) {
      const skip = encoded[level] ?? '';
      const joined = level === encoded.length - 1 ? cat(decoded, skip) : cat(up(decoded, 2), skip);
      decoded = rebn(joined, 2 * mid, level === 0 ? out : mid);
    }
    return op('Add', [decoded, hxin]);
  };
  /** RSU-4F: dilations instead of pooling, all at one resolution. */
  const rsu4f = (input: string, inChannels: number, mid: number, out: number): string => {
    const hxin = rebn(input, inChannels, out);
    const hx1 = rebn(hxin, out, mid, 1);
    const hx2 = rebn(hx1, mid, mid, 2);
    const hx3 = rebn(hx2, mid, mid, 4);
    const hx4 = rebn(hx3, mid, mid, 8);
    const hx3d = rebn(cat(hx4, hx3), 2 * mid, mid, 4);
    const hx2d = rebn(cat(hx3d, hx2), 2 * mid, mid, 2);
    const hx1d = rebn(cat(hx2d, hx1), 2 * mid, out, 1);
    return op('Add', [hx1d, hxin]);
  };

  const hx1 = rsu('input', 7, 3, 16, 64);
  const hx2 = rsu(pool(hx1), 6, 64, 16, 64);
  const hx3 = rsu(pool(hx2), 5, 64, 16, 64);
  const hx4 = rsu(pool(hx3), 4, 64, 16, 64);
  const hx5 = rsu4f(pool(hx4), 64, 16, 64);
  const hx6 = rsu4f(pool(hx5), 64, 16, 64);
  const hx5d = rsu4f(cat(up(hx6, 2), hx5), 128, 16, 64);
  const hx4d = rsu(cat(up(hx5d, 2), hx4), 4, 128, 16, 64);
  const hx3d = rsu(cat(up(hx4d, 2), hx3), 5, 128, 16, 64);
  const hx2d = rsu(cat(up(hx3d, 2), hx2), 6, 128, 16, 64);
  const hx1d = rsu(cat(up(hx2d, 2), hx1), 7, 128, 16, 64);
  const sides = [hx1d, hx2d, hx3d, hx4d, hx5d, hx6].map((features, index) => {
    const side = conv(features, 64, 1);
    return index === 0 ? side : up(side, 2 ** index);
  });
  const fused = conv(cat(...sides), 6, 1, 1, 1);
  nodes.push({ op: 'Sigmoid', inputs: [fused], outputs: ['d0'] });

  return onnxModel({
    nodes,
    initializers,
    inputs: [{ name: 'input', shape: [1, 3, size, size] }],
    outputs: [{ name: 'd0', shape: [1, 1, size, size] }],
  });
};
