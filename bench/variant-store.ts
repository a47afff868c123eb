/**
 * The viewer's miss path both ways: a CDN miss of a variant already in the variant store (an S3
 * read) against the same miss rendered (the store's read that misses, the transform, the write),
 * paired, on two uploads of the same 1920×1080 JPEG through the local runtime.
 *
 * Part of `npm run bench -- viewer`, or on its own: npx tsx bench/variant-store.ts [count]
 */
import { pathToFileURL } from 'node:url';
import { createObjectStore } from '#core/store/object-store';
import type { BenchRuntime } from './local.ts';
import { startBenchRuntime } from './local.ts';
import { times } from './report.ts';
import { measure, measurePaired, pairedRatio, summarise } from './stats.ts';
import { uploadFile } from './upload.ts';
import { photoLike, type ViewerBenchSection } from './viewer.ts';

/** A web size, a slow encoder at full size, and a filter: what a store saves grows with the render. */
const CASES = ['w=800&format=webp', 'format=avif', 'saturation=0&blur=10'];

export const benchVariantStore = async (
  target: Pick<BenchRuntime, 'url' | 'newTeamKey' | 'forgetVariants' | 's3' | 'bucket'>,
  count = 30,
): Promise<ViewerBenchSection> => {
  const photo = await photoLike(1920, 1080);
  const { key } = await target.newTeamKey();
  const view = async (id: string, query: string) => {
    const response = await fetch(`${target.url}/${id}?${query}`, { headers: { accept: '*/*' } });
    if (response.status !== 200) throw new Error(`GET /${id}?${query}: ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  };
  const objects = createObjectStore({ s3: target.s3, bucket: target.bucket });
  const ms = (value: number) => value.toFixed(1);

  const rows: (string | number)[][] = [];
  let largest = Buffer.alloc(0);
  for (const query of CASES) {
    // Two uploads of the same bytes: one keeps its stored variant, the other loses it before each pair.
    const stored = await uploadFile(target.url, key, photo);
    const rendered = await uploadFile(target.url, key, photo);
    const unstored = () => target.forgetVariants(rendered);
    // Both answers must be the very same bytes, or the comparison would flatter one side.
    await view(stored, query);
    const fromStore = await view(stored, query);
    await unstored();
    const fromRender = await view(rendered, query);
    if (!fromStore.equals(fromRender)) throw new Error(`${query}: the stored variant differs from a render`);
    if (fromRender.length > largest.length) largest = fromRender;

    const paired = await measurePaired(
      () => view(stored, query),
      () => view(rendered, query),
      count,
      3,
      unstored,
    );
    const [hit, miss] = [summarise(paired[0]), summarise(paired[1])];
    rows.push([
      query,
      ms(hit.p50),
      ms(hit.p95),
      ms(miss.p50),
      ms(miss.p95),
      ms(miss.p50 - hit.p50),
      times(pairedRatio(paired)),
    ]);
  }

  // What the rendered rows include here and a streamed answer on AWS does not make the visitor wait for.
  const write = summarise(
    await measure(() => objects.put('variants/bench-write/x', largest, 'image/avif'), count, 3),
  );
  await objects.deleteUnder('variants/bench-write/');
  rows.push([
    `the write alone (${(largest.length / 1024).toFixed(0)} KiB PutObject)`,
    '–',
    '–',
    ms(write.p50),
    ms(write.p95),
    '–',
    '–',
  ]);

  return {
    title: 'Viewer: the miss path with and without a stored variant, 1920×1080 JPEG',
    header: [
      'query',
      'variant stored p50 ms',
      'p95 ms',
      'rendered p50 ms',
      'p95 ms',
      'saved p50 ms',
      'ratio stored/rendered (median of pairs)',
    ],
    rows,
    notes: [
      `${count} sequential requests per case after 3 warm-ups, each "stored" request paired with a "rendered" one (order flipping every pair); before each pair the rendered image’s stored variant is removed (untimed). Before measuring, both are checked to serve the same bytes.`,
      'Variant stored: the record read alongside the S3 read of the variant, no admission, no original, no render. Rendered: the record and the store’s read that misses, the variant budget’s admission, the original (from memory), the transform, and the write to the store, which the local runtime’s buffered answer waits for; on AWS the streamed answer goes out first and the invocation waits for the write after it (the last row is that write).',
      'On AWS an S3 read takes longer than s3rver on loopback (tens of milliseconds to the first byte), on both sides: the saving per miss is still the render, but for fast renders the ratio is closer to 1 there than here.',
    ],
  };
};

const standalone = async (count: number) => {
  const runtime = await startBenchRuntime();
  try {
    const section = await benchVariantStore(runtime, count);
    console.log(section.title);
    console.log(section.header.join(' | '));
    for (const row of section.rows) console.log(row.join(' | '));
  } finally {
    await runtime.stop();
  }
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  await standalone(Number(process.argv[2] ?? 30));
