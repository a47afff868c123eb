/**
 * Encoder defaults by measurement: for WebP and AVIF at several efforts, the quality that reaches
 * the objective quality of our default JPEG on the same image, and what that costs in bytes and
 * encode time; each setting priced per view (CloudFront egress + Lambda compute) under the model in
 * the notes. The defaults in core/images/encode.ts (lossyDefaults) are the ones this picks.
 *
 * Part of `npm run bench` (or on its own: npm run bench -- encoders). About two minutes here.
 */
import { ssim } from 'ssim.js';
import { type LossyFormat, type LossySettings, lossyDefaults } from '#core/images/encode';
import { sharp } from '#core/images/sharp';
import { type Section, times } from './report.ts';
import { percentile } from './stats.ts';
import { photoPixels } from './viewer.ts';

/** Test images, made here: a photo, a screenshot-like graphic with text, a logo with soft alpha. */
interface TestImage {
  name: string;
  width: number;
  height: number;
  /** RGBA pixels, the original. */
  rgba: Buffer;
}

interface Candidate {
  format: LossyFormat;
  effort: number;
  chromaSubsampling?: '4:2:0' | '4:4:4';
}

const CANDIDATES: Candidate[] = [
  ...[0, 2, 3, 4].map((effort) => ({ format: 'webp' as const, effort })),
  ...[0, 1, 2, 4].map((effort) => ({ format: 'avif' as const, effort, chromaSubsampling: '4:2:0' as const })),
  { format: 'avif', effort: 1, chromaSubsampling: '4:4:4' },
];

/**
 * The cost model. Lambda arm64 in us-east-1, first pricing tier, at the viewer's 2048 MB; CloudFront
 * egress to the internet, first 10 TB in North America and Europe (the highest tier most sites pay).
 */
const LAMBDA_USD_PER_GB_SECOND = 0.000_013_333_4;
const VIEWER_GB = 2;
const EGRESS_USD_PER_GB = 0.085;
/** Views served from one render: 1 (every view a miss) and 10 (a 90% hit ratio). */
const VIEWS_PER_RENDER = [1, 10];
/**
 * First views wait for the encode: a setting must encode in ≤ 400 ms per megapixel here (1080p
 * ≈ 0.8 s, a w=800 view ≈ 0.15 s), whatever it saves.
 */
const MS_PER_MEGAPIXEL_CAP = 400;
const TIMED_RUNS = 3;

export const benchEncoders = async (): Promise<Section> => {
  const images = await testImages();
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  const targets = new Map<string, number>();
  for (const image of images) {
    const jpeg = await encodeWith(image, 'jpeg', lossyDefaults('jpeg', image.width * image.height));
    const score = await ssimOf(image, jpeg.bytes);
    targets.set(image.name, score);
    notes.push(
      `${image.name} (${image.width}×${image.height}): target ${score.toFixed(4)}, our JPEG q${lossyDefaults('jpeg', 0).quality}: ${(jpeg.bytes.length / 1024).toFixed(1)} KiB.`,
    );
  }

  const results: { candidate: Candidate; kib: number; ms: number; msPerMp: number; qualities: number[] }[] =
    [];
  for (const candidate of CANDIDATES) {
    let bytes = 0;
    let ms = 0;
    let pixels = 0;
    const qualities: number[] = [];
    for (const image of images) {
      const found = await lowestQualityReaching(image, candidate, targets.get(image.name) ?? 1);
      qualities.push(found.quality);
      bytes += found.bytes;
      ms += await encodeMs(image, candidate, found.quality);
      pixels += image.width * image.height;
    }
    console.error(`bench: encoders: ${candidate.format} effort ${candidate.effort} measured`);
    results.push({
      candidate,
      kib: bytes / 1024 / images.length,
      ms: ms / images.length,
      msPerMp: ms / (pixels / 1_000_000),
      qualities,
    });
  }

  const cost = (kib: number, ms: number, views: number) =>
    1_000_000 *
    ((kib * 1024 * EGRESS_USD_PER_GB) / 1e9 +
      (ms / 1000) * VIEWER_GB * LAMBDA_USD_PER_GB_SECOND * (1 / views));
  const chosen = new Map<LossyFormat, (typeof results)[number]>();
  for (const result of results) {
    const { format } = result.candidate;
    const within = result.msPerMp <= MS_PER_MEGAPIXEL_CAP;
    const best = chosen.get(format);
    const busiest = VIEWS_PER_RENDER.at(-1) ?? 1;
    if (within && (!best || cost(result.kib, result.ms, busiest) < cost(best.kib, best.ms, busiest)))
      chosen.set(format, result);
  }
  for (const result of results) {
    const { format, effort, chromaSubsampling } = result.candidate;
    const current = lossyDefaults(format, 500_000);
    const isDefault =
      current.effort === effort && (current.chromaSubsampling ?? '4:2:0') === (chromaSubsampling ?? '4:2:0');
    const pick = chosen.get(format) === result;
    rows.push([
      `${format} effort ${effort}${format === 'avif' ? ` ${chromaSubsampling}` : ''}${isDefault ? ' (default ≤ 1 MP)' : ''}${pick ? ' (cheapest within the cap)' : ''}`,
      result.qualities.join(' / '),
      result.kib.toFixed(1),
      result.ms.toFixed(0),
      `${result.msPerMp.toFixed(0)}${result.msPerMp > MS_PER_MEGAPIXEL_CAP ? ' (over)' : ''}`,
      ...VIEWS_PER_RENDER.map((views) => cost(result.kib, result.ms, views).toFixed(2)),
    ]);
  }
  const jpegKib = await Promise.all(
    images.map(
      async (image) => (await encodeWith(image, 'jpeg', lossyDefaults('jpeg', 0))).bytes.length / 1024,
    ),
  );
  const jpegMs = await Promise.all(
    images.map((image) => encodeMs(image, { format: 'jpeg', effort: 0 }, lossyDefaults('jpeg', 0).quality)),
  );
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  rows.unshift([
    `jpeg q${lossyDefaults('jpeg', 0).quality} (the target)`,
    String(lossyDefaults('jpeg', 0).quality),
    mean(jpegKib).toFixed(1),
    mean(jpegMs).toFixed(0),
    '–',
    ...VIEWS_PER_RENDER.map((views) => cost(mean(jpegKib), mean(jpegMs), views).toFixed(2)),
  ]);
  for (const [format, result] of chosen) {
    const sorted = [...result.qualities].sort((a, b) => a - b);
    const bytesVsJpeg = result.kib / mean(jpegKib);
    notes.push(
      `Cheapest within the cap for ${format} in this run: effort ${result.candidate.effort}, quality ${percentile(sorted, 50)} (the median image’s quality at the target): ${times(bytesVsJpeg)} the JPEG’s bytes at equal SSIM.`,
    );
  }

  return {
    title: 'Encoders: WebP and AVIF at equal quality',
    header: [
      'encoder',
      'quality at target (photo / graphic / logo)',
      'KiB per image',
      'encode ms per image',
      `ms per MP (cap ${MS_PER_MEGAPIXEL_CAP})`,
      ...VIEWS_PER_RENDER.map((views) => `$ per 1M views, ${views} view${views > 1 ? 's' : ''} per render`),
    ],
    rows,
    notes: [
      'Equal quality: for each image and setting, the lowest quality (1–100, bisected) whose SSIM reaches that of our default JPEG (q85, 4:2:0, no mozjpeg) of the same image. SSIM is ssim.js (Weber variant, 11-pixel window, no downsampling) on Y, Cb and Cr, weighted 6:1:1 as codec comparisons do; alpha is judged over white, as a page would show it. No maintained SSIMULACRA2, DSSIM or butteraugli is packaged here: Debian 12’s libjxl-tools (0.7) ships no ssimulacra2 binary, and its butteraugli package is the 2017 snapshot; pip has a Python ssimulacra2 port, which would bring Python into the bench.',
      `Encode time: median of ${TIMED_RUNS} encodes from raw pixels at that quality, one at a time (libvips using both vCPUs), on this machine. Lambda arm64 cores differ: the ranking, not the milliseconds, carries over.`,
      `Cost per view: bytes × $${EGRESS_USD_PER_GB}/GB (CloudFront egress) + encode seconds × ${VIEWER_GB} GB × $${LAMBDA_USD_PER_GB_SECOND}/GB-s (Lambda arm64, the viewer’s memory) ÷ views per render. Request fees and S3 reads are the same for every setting and left out. The choice minimises the cost at ${VIEWS_PER_RENDER.at(-1)} views per render among settings within ${MS_PER_MEGAPIXEL_CAP} ms per megapixel, since a first view waits for its encode.`,
      ...notes,
      'The defaults (core/images/encode.ts, lossyDefaults): WebP effort 4 up to 1080p (was 2), AVIF effort 1 at 4:2:0 up to 1 MP; qualities unchanged (WebP 80, AVIF 50), since the quality at the target depends on the content far more than on the effort. Timings on this shared machine move by up to 2× between runs, so the cap was read over runs: WebP effort 4 stayed within it (259, 374 and 247 ms/MP in three runs), AVIF effort 1 within it twice of three (293, 549, 159) and is kept only up to 1 MP, effort 2 over it twice (386, 1035, 428). The third run (this table) picked these defaults on its own.',
    ],
  };
};

/** Encodes `image` with `settings`; a JPEG is flattened over white first, as the viewer does. */
const encodeWith = async (image: TestImage, format: LossyFormat, settings: LossySettings) => {
  let pipeline = sharp(image.rgba, { raw: { width: image.width, height: image.height, channels: 4 } });
  if (format === 'jpeg')
    pipeline = pipeline.flatten({ background: '#ffffff' }).jpeg({ ...settings, mozjpeg: false });
  else if (format === 'webp') pipeline = pipeline.webp(settings);
  else pipeline = pipeline.avif(settings);
  return { bytes: await pipeline.toBuffer() };
};

const settingsOf = (candidate: Candidate, quality: number): LossySettings => ({
  quality,
  effort: candidate.effort,
  ...(candidate.chromaSubsampling && { chromaSubsampling: candidate.chromaSubsampling }),
});

const encodeMs = async (image: TestImage, candidate: Candidate, quality: number): Promise<number> => {
  const samples: number[] = [];
  for (let run = 0; run < TIMED_RUNS; run++) {
    const start = performance.now();
    await encodeWith(image, candidate.format, settingsOf(candidate, quality));
    samples.push(performance.now() - start);
  }
  return percentile(samples, 50);
};

/** The lowest quality reaching `target`, by bisection (SSIM rises with quality, near enough). */
const lowestQualityReaching = async (image: TestImage, candidate: Candidate, target: number) => {
  let [low, high] = [1, 100];
  let best = { quality: 100, bytes: Number.POSITIVE_INFINITY };
  while (low <= high) {
    const quality = Math.floor((low + high) / 2);
    const { bytes } = await encodeWith(image, candidate.format, settingsOf(candidate, quality));
    if ((await ssimOf(image, bytes)) >= target) {
      best = { quality, bytes: bytes.length };
      high = quality - 1;
    } else low = quality + 1;
  }
  if (!Number.isFinite(best.bytes)) {
    const { bytes } = await encodeWith(image, candidate.format, settingsOf(candidate, 100));
    best = { quality: 100, bytes: bytes.length };
  }
  return best;
};

/** SSIM of `encoded` against the original, on Y, Cb and Cr weighted 6:1:1, both over white. */
const ssimOf = async (image: TestImage, encoded: Uint8Array): Promise<number> => {
  const overWhite = (input: Sharp) => input.flatten({ background: '#ffffff' }).removeAlpha().raw().toBuffer();
  const reference = await overWhite(
    sharp(image.rgba, { raw: { width: image.width, height: image.height, channels: 4 } }),
  );
  const decoded = await overWhite(sharp(encoded));
  const [a, b] = [planes(reference), planes(decoded)];
  const score = (plane: number) =>
    ssim(asImage(a[plane] ?? [], image), asImage(b[plane] ?? [], image), {
      ssim: 'weber',
      downsample: false,
      maxSize: undefined,
    }).mssim;
  return (6 * score(0) + score(1) + score(2)) / 8;
};

type Sharp = ReturnType<typeof sharp>;

/** Y, Cb and Cr (JPEG's full-range BT.601) of RGB pixels. */
const planes = (rgb: Buffer): [Uint8ClampedArray, Uint8ClampedArray, Uint8ClampedArray] => {
  const count = rgb.length / 3;
  const [y, cb, cr] = [
    new Uint8ClampedArray(count),
    new Uint8ClampedArray(count),
    new Uint8ClampedArray(count),
  ];
  for (let i = 0; i < count; i++) {
    const [r, g, b] = [rgb[i * 3] ?? 0, rgb[i * 3 + 1] ?? 0, rgb[i * 3 + 2] ?? 0];
    y[i] = 0.299 * r + 0.587 * g + 0.114 * b;
    cb[i] = 128 - 0.168_736 * r - 0.331_264 * g + 0.5 * b;
    cr[i] = 128 + 0.5 * r - 0.418_688 * g - 0.081_312 * b;
  }
  return [y, cb, cr];
};

/** One plane as the RGBA ssim.js reads (its grey of R = G = B is the plane itself). */
const asImage = (plane: ArrayLike<number>, { width, height }: TestImage) => {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const value = plane[i] ?? 0;
    data.set([value, value, value, 255], i * 4);
  }
  return { data, width, height };
};

const rgbaOf = async (input: Sharp, name: string): Promise<TestImage> => {
  const { data, info } = await input.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { name, width: info.width, height: info.height, rgba: data };
};

const testImages = async (): Promise<TestImage[]> => [
  await rgbaOf(photoPixels(960, 540), 'photo'),
  await rgbaOf(sharp(Buffer.from(GRAPHIC)), 'graphic'),
  await rgbaOf(sharp(Buffer.from(LOGO)), 'logo'),
];

/** A screenshot-like graphic: flat colours, hard edges, text, thin lines, a chart. */
const GRAPHIC = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="500">
  <rect width="800" height="500" fill="#f4f6f8"/>
  <rect width="800" height="56" fill="#1f3a5f"/>
  <text x="24" y="37" font-family="sans-serif" font-size="22" fill="#ffffff">Dashboard · Monthly usage</text>
  <rect x="24" y="80" width="360" height="380" rx="8" fill="#ffffff" stroke="#d0d7de"/>
  ${Array.from({ length: 12 }, (_, i) => `<text x="44" y="${120 + i * 28}" font-family="sans-serif" font-size="14" fill="#24292f">Row ${i + 1}: image-${1000 + i * 37}.jpg — ${(i * 7.3 + 1).toFixed(1)} MB</text>`).join('\n  ')}
  <rect x="408" y="80" width="368" height="380" rx="8" fill="#ffffff" stroke="#d0d7de"/>
  ${Array.from({ length: 10 }, (_, i) => `<rect x="${428 + i * 34}" y="${420 - ((i * 29) % 300) - 20}" width="24" height="${((i * 29) % 300) + 20}" fill="${i % 2 ? '#2da44e' : '#bf3989'}"/>`).join('\n  ')}
  ${Array.from({ length: 6 }, (_, i) => `<line x1="420" x2="764" y1="${120 + i * 60}" y2="${120 + i * 60}" stroke="#8c959f" stroke-width="1"/>`).join('\n  ')}
  <text x="428" y="108" font-family="sans-serif" font-size="16" font-weight="bold" fill="#24292f">Views per day</text>
</svg>`;

/** A logo with soft alpha: a gradient disc, a translucent ring, a drop shadow, on nothing. */
const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="480">
  <defs>
    <radialGradient id="disc" cx="40%" cy="35%" r="70%"><stop offset="0" stop-color="#ffd166"/><stop offset="1" stop-color="#ef476f"/></radialGradient>
    <radialGradient id="shadow"><stop offset="0.6" stop-color="#000" stop-opacity="0.45"/><stop offset="1" stop-color="#000" stop-opacity="0"/></radialGradient>
  </defs>
  <ellipse cx="250" cy="420" rx="170" ry="36" fill="url(#shadow)"/>
  <circle cx="240" cy="220" r="170" fill="url(#disc)"/>
  <circle cx="240" cy="220" r="195" fill="none" stroke="#118ab2" stroke-opacity="0.5" stroke-width="18"/>
  <text x="240" y="245" text-anchor="middle" font-family="sans-serif" font-size="72" font-weight="bold" fill="#073b4c">img</text>
</svg>`;
