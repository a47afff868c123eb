/**
 * Viewer latency: transformed responses for a 1920×1080 JPEG through the local runtime (HTTP,
 * DynamoDB Local lookup, S3 read, transform, base64 through the gateway), next to the same
 * transform run in-process on the same bytes, measured in the same run. Target: ≤ 1.2× at p50.
 *
 * Part of `npm run bench` (benchViewer), or on its own: npx tsx bench/viewer.ts [count]
 */
import { pathToFileURL } from 'node:url';
import { IMAGE_LIMITS } from '#core/images/limits';
import { sharp } from '#core/images/sharp';
import { transform } from '#core/images/transform';
import { parseViewerQuery } from '../lambdas/viewer/query.ts';
import { startBenchRuntime } from './local.ts';
import { measure, measurePaired, summarise } from './stats.ts';

const CASES = [
  '',
  'format=webp',
  'format=avif',
  'w=800&format=webp',
  'saturation=0&blur=10',
  'rotate=90&flip=h',
];
const TARGET = 1.2;
/** Measured on images never viewed before, so the original comes from S3, not memory. */
const FIRST_VIEW = 'w=800&format=webp';

/** What the viewer benchmark needs of a running service (the bench harness's runtime fits). */
export interface ViewerBenchTarget {
  url: string;
  newTeamKey(): Promise<{ key: string }>;
}

/** A titled table (the bench harness's report section). */
export interface ViewerBenchSection {
  title: string;
  header: string[];
  rows: (string | number)[][];
  notes: string[];
}

export const benchViewer = async (target: ViewerBenchTarget, count = 30): Promise<ViewerBenchSection> => {
  const photo = await photoLike(1920, 1080);
  const { key } = await target.newTeamKey();
  const upload = async () => {
    const form = new FormData();
    form.append('file', new Blob([photo]), 'photo.jpg');
    const created = await fetch(`${target.url}/v1/upload`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${key}` },
    });
    if (created.status !== 201) throw new Error(`upload failed: ${created.status} ${await created.text()}`);
    return ((await created.json()) as { id: string }).id;
  };
  const view = async (id: string, query: string) => {
    const response = await fetch(`${target.url}/${id}${query ? `?${query}` : ''}`, {
      headers: { accept: '*/*' },
    });
    if (response.status !== 200) throw new Error(`GET /${id}?${query}: ${response.status}`);
    await response.arrayBuffer();
  };
  /** One row: `viewOnce` through the runtime against transform() in-process, alternating. */
  const row = async (label: string, query: string, viewOnce: () => Promise<void>) => {
    const { options } = parseViewerQuery(query);
    const [runtimeSamples, inProcessSamples] = await measurePaired(
      viewOnce,
      () => transform(photo, options, IMAGE_LIMITS),
      count,
      3,
    );
    const viaRuntime = summarise(runtimeSamples);
    const inProcess = summarise(inProcessSamples);
    const ratio = viaRuntime.p50 / inProcess.p50;
    return [
      label,
      viaRuntime.p50.toFixed(1),
      viaRuntime.p95.toFixed(1),
      inProcess.p50.toFixed(1),
      inProcess.p95.toFixed(1),
      (viaRuntime.p50 - inProcess.p50).toFixed(1),
      `${ratio.toFixed(2)}×${ratio > TARGET ? ' (over)' : ''}`,
    ];
  };

  const id = await upload();
  const rows: (string | number)[][] = [];
  for (const query of CASES) rows.push(await row(query || '(none)', query, () => view(id, query)));

  // Every other row reads the original from memory after the first view; a first view reads S3.
  const fresh: string[] = [];
  for (let i = 0; i < count + 3; i++) fresh.push(await upload());
  rows.push(await row(`${FIRST_VIEW}, first view`, FIRST_VIEW, () => view(fresh.pop() ?? '', FIRST_VIEW)));

  // The floor under every row: a revalidation is the record lookup and HTTP, no S3 read, no transform.
  const link = `${target.url}/${id}?format=webp`;
  const etag = (await fetch(link)).headers.get('etag') ?? '';
  const revalidation = summarise(
    await measure(
      async () => {
        const response = await fetch(link, { headers: { 'if-none-match': etag } });
        if (response.status !== 304) throw new Error(`revalidation: ${response.status}`);
      },
      count,
      3,
    ),
  );
  rows.push([
    '304 revalidation',
    revalidation.p50.toFixed(1),
    revalidation.p95.toFixed(1),
    '–',
    '–',
    '–',
    '–',
  ]);
  return {
    title: 'Viewer: transformed responses, 1920×1080 JPEG',
    header: [
      'query',
      'runtime p50 ms',
      'runtime p95 ms',
      'in-process p50 ms',
      'in-process p95 ms',
      'overhead p50 ms',
      'ratio p50',
    ],
    rows,
    notes: [
      `${count} sequential requests per case after 3 warm-ups, alternating with the in-process run so both see the same machine; input ${(photo.length / 1024).toFixed(0)} KiB, photo-like (gradients, shapes, grain).`,
      'In-process: transform() on the same bytes with the options the viewer parses from the same query.',
      'The viewer keeps originals in memory (256 MiB, least recently used out) and looks the record up on every request; so rows after the first view of an image read no S3, and the first-view row is the cost of a new image: each of its requests is for a different upload of the same bytes.',
      `Target ≤ ${TARGET}× at p50. The runtime adds a DynamoDB Local read, on a first view an s3rver read, base64 through the gateway and HTTP on loopback: a fixed cost (the 304 row is its lookup part), so a ratio only means something for transforms that take long next to it.`,
    ],
  };
};

/**
 * A JPEG that encoders treat like a photo: smooth gradients, hard-edged shapes and fine grain.
 * (Pure noise, as the upload benchmark uses, is the worst case for WebP and AVIF, not a photo.)
 */
const photoLike = async (width: number, height: number) => {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      const grain = (((x * 7919 + y * 104_729) % 97) / 97) * 24 - 12;
      const disc = (x - 900) ** 2 + (y - 500) ** 2 < 200 ** 2 || (x - 1500) ** 2 + (y - 300) ** 2 < 120 ** 2;
      pixels[at] = (disc ? 230 : 128 + 100 * Math.sin(x / 150) * Math.cos(y / 90)) + grain;
      pixels[at + 1] = (disc ? 60 : 100 + 80 * Math.sin((x + y) / 200)) + grain;
      pixels[at + 2] = (disc ? 40 : 140 + 90 * Math.cos(x / 60 + y / 300)) + grain;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .blur(0.8)
    .jpeg({ quality: 85 })
    .toBuffer();
};

const print = (section: ViewerBenchSection) => {
  const widths = section.header.map((title, column) =>
    Math.max(title.length, ...section.rows.map((row) => String(row[column]).length)),
  );
  const line = (cells: (string | number)[]) =>
    cells.map((cell, i) => String(cell).padEnd(widths[i] ?? 0)).join('  ');
  console.log(`${section.title}\n${line(section.header)}\n${section.rows.map(line).join('\n')}`);
  for (const note of section.notes) console.log(`- ${note}`);
};

/** On its own: the bench harness's runtime. */
const standalone = async (count: number) => {
  const runtime = await startBenchRuntime();
  try {
    print(await benchViewer(runtime, count));
  } finally {
    await runtime.stop();
  }
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  await standalone(Number(process.argv[2] ?? 30));
