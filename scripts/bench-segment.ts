/**
 * Time and peak memory of `segment=foreground`, classical and model-based, at 1080p, 12 MP and 50 MP:
 * the numbers behind where segmentation runs on AWS. `npx tsx scripts/bench-segment.ts
 * 1080p 12MP` runs only those sizes.
 *
 *   npx tsx scripts/bench-segment.ts                          # the U²-Netp-shaped proxy model
 *   SEGMENT_MODEL_PATH=.data/models/u2netp.onnx npx tsx scripts/bench-segment.ts
 *
 * Every case runs in a fresh process, so its peak RSS is its own: `decode` (the JPEG decoded to
 * RGBA, what any transform pays) is the baseline the others are compared with. Without a real
 * model the proxy (test/support/onnx-u2netp-proxy.ts: U²-Netp's layers, made-up weights) stands
 * in: same work, meaningless masks.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { segmenterFromConfig } from '#core/images/segment/configured';
import { removeBackground } from '#core/images/segment/segmenter';
import { sharp } from '#core/images/sharp';
import { u2netpProxyModel } from '#test/onnx-u2netp-proxy';

/** 1080p, a 12 MP phone photo, and the viewer's input cap (IMAGE_LIMITS.maxPixels, 50 MP). */
const SIZES = { '1080p': [1920, 1080], '12MP': [4000, 3000], '50MP': [8000, 6250] } as const;
type Case = 'decode' | 'classical' | 'model';
const RUNS = 3;

/** A product shot: an off-white, slightly noisy backdrop with a soft vignette and a textured subject. */
const productShot = async (width: number, height: number): Promise<Buffer> => {
  const data = Buffer.alloc(width * height * 3);
  let seed = 1;
  const noise = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return (seed / 2_147_483_648 - 0.5) * 8;
  };
  const [cx, cy, rx, ry] = [width / 2, height * 0.55, width * 0.22, height * 0.35];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
      const vignette = 1 - 0.04 * (((x - width / 2) / width) ** 2 + ((y - height / 2) / height) ** 2);
      const base = inside
        ? [150 + 60 * Math.sin(x / 37), 70 + 30 * Math.cos(y / 23), 60]
        : [246 * vignette, 244 * vignette, 240 * vignette];
      data.set(
        base.map((value) => Math.max(0, Math.min(255, Math.round(value + noise())))),
        (y * width + x) * 3,
      );
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
};

const child = async (kind: Case, size: keyof typeof SIZES, modelPath: string) => {
  const [width, height] = SIZES[size];
  const jpeg = await productShot(width, height);
  const segmenter = segmenterFromConfig(kind === 'model' ? { model: { path: modelPath } } : {});
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const pipeline = sharp(jpeg, { autoOrient: true });
    if (kind === 'decode') await pipeline.ensureAlpha().raw().toBuffer();
    else await (await removeBackground(pipeline, segmenter)).raw().toBuffer();
    times.push(performance.now() - started);
  }
  const [first = 0, ...warm] = times;
  warm.sort((a, b) => a - b);
  const peakMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    JSON.stringify({
      kind,
      size,
      firstMs: Math.round(first),
      warmMs: Math.round(warm[0] ?? 0),
      peakMb: Math.round(peakMb),
    }),
  );
};

const parent = () => {
  let modelPath = process.env.SEGMENT_MODEL_PATH;
  let model = 'real model';
  if (!modelPath) {
    modelPath = join(mkdtempSync(join(tmpdir(), 'segment-bench-')), 'u2netp-proxy.onnx');
    writeFileSync(modelPath, u2netpProxyModel());
    model = 'U²-Netp-shaped proxy';
  }
  console.log(`model: ${model} (${modelPath}); ${RUNS} runs each, warm = fastest after the first`);
  console.log('case        size   first ms  warm ms  peak RSS MB');
  const asked = process.argv.slice(2).filter((arg) => arg in SIZES);
  for (const size of asked.length > 0 ? asked : Object.keys(SIZES)) {
    for (const kind of ['decode', 'classical', 'model'] as const) {
      const out = execFileSync(
        process.execPath,
        [...process.execArgv, process.argv[1] ?? '', '--child', kind, size, modelPath],
        {
          encoding: 'utf8',
        },
      );
      const line = out.trim().split('\n').at(-1) ?? '{}';
      const result = JSON.parse(line) as {
        kind: string;
        size: string;
        firstMs: number;
        warmMs: number;
        peakMb: number;
      };
      console.log(
        `${result.kind.padEnd(11)} ${result.size.padEnd(6)} ${String(result.firstMs).padStart(8)} ${String(result.warmMs).padStart(8)} ${String(result.peakMb).padStart(12)}`,
      );
    }
  }
};

const [flag, kind, size, modelPath] = process.argv.slice(2);
if (flag === '--child') await child(kind as Case, size as keyof typeof SIZES, modelPath ?? '');
else parent();
