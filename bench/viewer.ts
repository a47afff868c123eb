/**
 * Viewer latency: transformed responses for a 1920×1080 JPEG through the local runtime (HTTP,
 * DynamoDB Local lookup, S3 read, transform, base64 through the gateway), next to the same
 * transform run in-process on the same bytes, measured in the same run. Target: ≤ 1.2× at p50.
 *
 * Part of `npm run bench` (benchViewer), or on its own: npx tsx bench/viewer.ts [count]
 */
import { pathToFileURL } from 'node:url';
import { createIPX } from 'ipx';
import { type LossyFormat, lossyDefaults } from '#core/images/encode';
import { IMAGE_LIMITS } from '#core/images/limits';
import { sharp } from '#core/images/sharp';
import type { TransformOptions } from '#core/images/transform';
import { transform } from '#core/images/transform';
import { negotiated, parseViewerQuery } from '../lambdas/viewer/query.ts';
import { startBenchRuntime } from './local.ts';
import { times } from './report.ts';
import { measure, measurePaired, pairedRatio, summarise } from './stats.ts';
import { uploadFile } from './upload.ts';

const CASES = [
  '',
  'format=webp',
  'format=avif',
  'w=800&format=webp',
  'saturation=0&blur=10',
  'rotate=90&flip=h',
];
/**
 * format=auto for each image class (an <img> Accept of a browser in it), and a content-aware crop
 * next to the centred one: the same pairing, with the client's Accept on both sides.
 */
const ACCEPT_CASES = [
  {
    label: 'format=auto, AVIF class (Chrome)',
    query: 'format=auto',
    accept: 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
  },
  {
    label: 'format=auto, WebP class (Chrome 80)',
    query: 'format=auto',
    accept: 'image/webp,image/apng,image/*,*/*;q=0.8',
  },
  { label: 'format=auto, legacy class (curl)', query: 'format=auto', accept: '*/*' },
  { label: 'w=800&h=800&fit=cover', query: 'w=800&h=800&fit=cover', accept: '*/*' },
  {
    label: 'w=800&h=800&fit=cover&gravity=attention',
    query: 'w=800&h=800&fit=cover&gravity=attention',
    accept: '*/*',
  },
];
const TARGET = 1.2;
/** Measured on images never viewed before, so the original comes from S3, not memory. */
const FIRST_VIEW = 'w=800&format=webp';

/** What the viewer benchmark needs of a running service (the bench harness's runtime fits). */
export interface ViewerBenchTarget {
  url: string;
  newTeamKey(): Promise<{ key: string }>;
  /** Removes a media's stored variants (bench/variant-store.ts), so its next miss renders. */
  forgetVariants(mediaId: string): Promise<unknown>;
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
  const upload = () => uploadFile(target.url, key, photo);
  const view = async (id: string, query: string, accept = '*/*') => {
    const response = await fetch(`${target.url}/${id}${query ? `?${query}` : ''}`, {
      headers: { accept },
    });
    if (response.status !== 200) throw new Error(`GET /${id}?${query}: ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  };
  const inProcess = async (query: string, source: Buffer = photo, accept = '*/*') => {
    const { options } = negotiated(parseViewerQuery(query), accept);
    return (await transform(source, options, IMAGE_LIMITS)).body;
  };
  const peer = ipxPeer(photo);
  /**
   * One row: the runtime's answer for `idOf(i)?queryOf(i)` paired with transform() in-process on
   * the same bytes and query. First, both must give the very same bytes: a faster wrong answer
   * (another variant, the untransformed original) would only flatter the ratio.
   */
  const row = async (
    label: string,
    queryOf: (index: number) => string,
    idOf: (index: number) => string,
    {
      source = photo,
      accept = '*/*',
      repeated,
      ipx = true,
    }: { source?: Buffer; accept?: string; repeated?: string; ipx?: boolean } = {},
  ) => {
    // Every pair renders: a query repeated on media `repeated` would be served from the variant store.
    const unstored = async () => repeated && (await target.forgetVariants(repeated));
    await unstored();
    const [served, expected] = [
      await view(idOf(-100), queryOf(-100), accept),
      await inProcess(queryOf(-100), source, accept),
    ];
    if (!served.equals(Buffer.from(expected))) throw new Error(`${label}: the runtime served other bytes`);
    const paired = await measurePaired(
      (i) => view(idOf(i), queryOf(i), accept),
      (i) => inProcess(queryOf(i), source, accept),
      count,
      3,
      unstored,
    );
    const [viaRuntime, direct] = [summarise(paired[0]), summarise(paired[1])];
    const ratio = pairedRatio(paired);
    const versusIpx = ipx ? await againstIpx(queryOf) : ['–', '–'];
    return [
      label,
      viaRuntime.p50.toFixed(1),
      viaRuntime.p95.toFixed(1),
      direct.p50.toFixed(1),
      direct.p95.toFixed(1),
      (viaRuntime.p50 - direct.p50).toFixed(1),
      `${times(ratio)}${ratio > TARGET ? ' (over)' : ''}`,
      ...versusIpx,
    ];
  };
  /**
   * ipx on the same bytes and query, paired with transform() in-process. ipx must give an image of
   * the same format and size first (its pixels differ a little: its own resize and greyscale).
   */
  const againstIpx = async (queryOf: (index: number) => string) => {
    const [ours, theirs] = [await inProcess(queryOf(-100)), await peer(queryOf(-100))];
    const [a, b] = [await sharp(ours).metadata(), await sharp(theirs).metadata()];
    if (a.format !== b.format || a.width !== b.width || a.height !== b.height)
      throw new Error(
        `ipx ${queryOf(-100)}: ${b.format} ${b.width}×${b.height}, ours ${a.format} ${a.width}×${a.height}`,
      );
    const paired = await measurePaired(
      (i) => inProcess(queryOf(i)),
      (i) => peer(queryOf(i)),
      count,
      3,
    );
    return [summarise(paired[1]).p50.toFixed(1), times(pairedRatio(paired))];
  };

  const id = await upload();
  const rows: (string | number)[][] = [];
  for (const query of CASES)
    rows.push(
      await row(
        query || '(none)',
        () => query,
        () => id,
        // The stored bytes as they are: ipx has no such path, it always re-encodes.
        { repeated: id, ipx: query !== '' },
      ),
    );

  // What phones upload: the same photo with GPS, camera and copyright EXIF and XMP. Its plain link
  // strips them without decoding (lossless-strip.ts).
  const camera = await withCameraMetadata(photo);
  const cameraId = await uploadFile(target.url, key, camera);
  rows.push(
    await row(
      'camera JPEG with GPS, plain link',
      () => '',
      () => cameraId,
      { source: camera, ipx: false },
    ),
  );
  const stripped = await inProcess('', camera);
  // What the plain link did before (TRANSFORM_VERSION 1), as the peer in the same run: decode,
  // re-encode at q90, write the kept tags.
  const reencode = () =>
    sharp(camera, { failOn: 'error', autoOrient: true })
      .jpeg({ quality: 90, mozjpeg: false, chromaSubsampling: '4:2:0' })
      .keepIccProfile()
      .withExif({ IFD0: { Copyright: '(c) Bench Owner', Artist: 'Bench Artist' } })
      .toBuffer();
  const reencoded = await reencode();
  const versusReencode = await measurePaired(() => inProcess('', camera), reencode, count, 3);
  const [lossless, former] = versusReencode.map((samples) => summarise(samples).p50);

  for (const { label, query, accept } of ACCEPT_CASES)
    rows.push(
      await row(
        label,
        () => query,
        () => id,
        // format=auto, gravity and trim have no like in ipx's modifiers.
        { accept, repeated: id, ipx: false },
      ),
    );
  // What format=auto saves: the bytes each class gets for the whole photo.
  const autoBytes = await Promise.all(
    ACCEPT_CASES.slice(0, 3).map(async ({ accept }) => (await view(id, 'format=auto', accept)).length),
  );

  // A page of thumbnails asks for widths nobody asked for before: the original is in memory, the variant is new.
  rows.push(
    await row(
      'w=(700+i)&format=webp, a new variant each time',
      (i) => `w=${700 + i}&format=webp`,
      () => id,
    ),
  );
  // A new image: its original comes from S3, not memory, and the record lookup comes first.
  const fresh: string[] = [];
  for (let i = 0; i < count + 4; i++) fresh.push(await upload());
  rows.push(
    await row(
      `${FIRST_VIEW}, first view of a new image`,
      () => FIRST_VIEW,
      () => fresh.pop() ?? '',
      // In-process, it is the w=800&format=webp row again.
      { ipx: false },
    ),
  );

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
      'ratio (median of pairs)',
      'ipx p50 ms',
      'in-process / ipx (median of pairs)',
    ],
    rows,
    notes: [
      `${count} sequential requests per case after 3 warm-ups; input ${(photo.length / 1024).toFixed(0)} KiB, photo-like (gradients, shapes, grain).`,
      'In-process: transform() on the same bytes with the options the viewer parses from the same query.',
      `"camera JPEG with GPS": the photo re-encoded with EXIF (GPS, make, model, serial number, copyright, artist) and XMP, ${(camera.length / 1024).toFixed(1)} KiB; its plain link (metadata=copyright) is ${(stripped.length / 1024).toFixed(1)} KiB, ${((stripped.length / camera.length) * 100).toFixed(1)}% of the original, with the original's pixels bit for bit. The decode and q90 re-encode it replaces (paired, in-process): ${former?.toFixed(1)} ms p50 against ${lossless?.toFixed(2)} ms (${times(pairedRatio(versusReencode))} of it), ${((reencoded.length / camera.length) * 100).toFixed(1)}% of the original's bytes.`,
      'Every row measures a render: before each pair the image’s stored variants are removed (untimed), so a repeated query misses the variant store as a new variant does; the runtime’s time includes the store’s read that misses and its write, which the local runtime’s buffered answer waits for (on AWS the streamed answer goes out first). Served from the store instead: the next section.',
      'Each request is paired with an in-process run on the same query (order flipping every pair); the ratio is the median of the pairs’ ratios. Before each row, the runtime’s bytes are checked to equal the in-process output.',
      'The viewer keeps originals in memory (256 MiB, least recently used out) and looks the record up on every request, reading (from memory, else S3) and transforming the original meanwhile. The first rows repeat one query on one image (what the issue asks); "a new variant each time" changes the width per request, as a page of thumbnails does; "first view of a new image" reads the original from S3 (each request is for a different upload of the same bytes).',
      `format=auto on this 1920×1080 photo: AVIF ${kib(autoBytes[0])}, WebP ${kib(autoBytes[1])}, JPEG (the stored one, for the legacy class) ${kib(autoBytes[2])}; AVIF/WebP ${ratio(autoBytes[0], autoBytes[1])}, WebP/JPEG ${ratio(autoBytes[1], autoBytes[2])}, AVIF/JPEG ${ratio(autoBytes[0], autoBytes[2])}. The format=auto rows send that class’s <img> Accept header (in-process: the same class); the gravity=attention row is next to the centred crop of the same box.`,
      `ipx ${IPX_VERSION} (npm), in-process on the same bytes and our sharp build, paired with transform() in-process (order flipping every pair): ${IPX_NOTE}`,
      `Target ≤ ${TARGET}× (the median of the pairs’ ratios). The runtime adds a DynamoDB Local read, on a first view an s3rver read, base64 through the gateway and HTTP on loopback: a fixed cost (the 304 row is its lookup part), so a ratio only means something for transforms that take long next to it.`,
    ],
  };
};

/** `jpeg` as a phone writes it: where, with what and by whom, in EXIF and XMP. */
const withCameraMetadata = (jpeg: Buffer) =>
  sharp(jpeg)
    .withExif({
      IFD0: { Make: 'ACME', Model: 'Phone 12', Copyright: '(c) Bench Owner', Artist: 'Bench Artist' },
      IFD2: { BodySerialNumber: 'SN123456', DateTimeOriginal: '2026:12:02 08:00:00' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '52/1 31/1 0/1',
        GPSLongitudeRef: 'E',
        GPSLongitude: '13/1 24/1 0/1',
      },
    })
    .withXmp(
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>',
    )
    .jpeg({ quality: 85 })
    .toBuffer();

const kib = (bytes: number | undefined) => `${((bytes ?? 0) / 1024).toFixed(1)} KiB`;
const ratio = (a: number | undefined, b: number | undefined) => `${((a ?? 0) / (b ?? 1)).toFixed(2)}×`;

const IPX_VERSION = '3.1.1';
const IPX_NOTE =
  'the same output format, size and quality, and our encoder settings (effort, chroma subsampling, baseline JPEG) set on its sharp instance, so both do the same work; saturation=0 is its grayscale, flip=h its flop. Checked first: the same format and size. ipx keeps no metadata and does not orient; ours keeps copyright EXIF.';

/**
 * ipx (the image server of Nuxt and unjs) on `photo`, for a viewer query: the same operations in
 * its modifiers, and our encoder defaults for the output size set on its sharp instance (its own
 * are sharp's: WebP and AVIF effort 4, AVIF 4:4:4, progressive JPEG).
 */
const ipxPeer = (photo: Buffer) => {
  const storage = {
    name: 'memory',
    getMeta: () => ({ mtime: 0 }),
    getData: () => photo.buffer.slice(photo.byteOffset, photo.byteOffset + photo.byteLength) as ArrayBuffer,
  };
  const instances = new Map<string, ReturnType<typeof createIPX>>();
  return async (query: string): Promise<Buffer> => {
    const { options } = parseViewerQuery(query);
    const format: LossyFormat = (options.format ?? 'jpeg') as LossyFormat;
    const pixels = outputPixels(options);
    const settings = lossyDefaults(format, pixels);
    const key = `${format}/${settings.effort}/${settings.chromaSubsampling}`;
    let ipx = instances.get(key);
    if (!ipx) {
      ipx = createIPX({
        storage,
        sharpOptions: {
          // sharp's own option names, which ipx assigns onto its sharp instance.
          jpegProgressive: false,
          ...(format === 'webp' && { webpEffort: settings.effort }),
          ...(format === 'avif' && {
            heifEffort: settings.effort,
            heifChromaSubsampling: settings.chromaSubsampling,
          }),
        } as Record<string, unknown>,
      });
      instances.set(key, ipx);
    }
    const { data } = await ipx('photo', ipxModifiers(options, format, settings.quality)).process();
    return Buffer.from(data);
  };
};

const ipxModifiers = (
  options: TransformOptions,
  format: LossyFormat,
  quality: number,
): Record<string, string> => ({
  f: format,
  q: String(options.quality ?? quality),
  ...(options.width !== undefined && { w: String(options.width) }),
  ...(options.height !== undefined && { h: String(options.height) }),
  ...(options.rotate !== undefined && { rotate: String(options.rotate) }),
  ...(options.flip?.includes('h') && { flop: '' }),
  ...(options.flip?.includes('v') && { flip: '' }),
  ...(options.blur !== undefined && { blur: String(options.blur) }),
  ...(options.saturation === 0 && { grayscale: '' }),
});

/** Output pixels of a viewer query on the 1920×1080 photo (the encoders' effort depends on them). */
const outputPixels = ({ width, height }: TransformOptions): number => {
  const scale = width ? width / 1920 : height ? height / 1080 : 1;
  return Math.round(1920 * scale) * Math.round(1080 * scale);
};

/**
 * A JPEG that encoders treat like a photo: smooth gradients, hard-edged shapes and fine grain.
 * (Pure noise, as the upload benchmark uses, is the worst case for WebP and AVIF, not a photo.)
 */
export const photoLike = async (width: number, height: number) =>
  photoPixels(width, height).jpeg({ quality: 85 }).toBuffer();

/** photoLike's pixels before any lossy encoding: the reference for quality measurements. */
export const photoPixels = (width: number, height: number) => {
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
  return sharp(pixels, { raw: { width, height, channels: 3 } }).blur(0.8);
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
