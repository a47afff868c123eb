/**
 * Downloads a background-removal model for `segment=foreground` and verifies it, for operators
 * whose machines reach the internet (nothing downloads a model at run time):
 *
 *   npx tsx scripts/fetch-segment-model.ts                      # u2netp → .data/models/
 *   npx tsx scripts/fetch-segment-model.ts isnet-general-use --out /opt/models
 *
 * The file is written only after its size, SHA-256 and MD5 all match the pins below; it then
 * prints the settings that enable it. Both models are the ONNX exports that rembg (MIT) publishes
 * as release assets of its v0.0.0 tag; the weights are the original authors', Apache-2.0.
 *
 * Where the pins come from: rembg publishes only an MD5 per model (the `md5:` argument of the
 * `pooch.retrieve` call in rembg/sessions/u2netp.py and dis_general_use.py). The SHA-256 and byte
 * counts are not published by rembg; they are the values that several unrelated projects
 * record for these exact release assets and agree on. All three must match.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

interface ModelPin {
  url: string;
  bytes: number;
  sha256: string;
  md5: string;
  /** SEGMENT_MODEL_PROFILE: how the model wants its input. */
  profile: 'u2net' | 'isnet';
  licence: string;
  about: string;
}

const RELEASE = 'https://github.com/danielgatis/rembg/releases/download/v0.0.0';

const MODELS: Record<string, ModelPin> = {
  u2netp: {
    url: `${RELEASE}/u2netp.onnx`,
    bytes: 4_574_861,
    sha256: '309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8',
    md5: '8e83ca70e441ab06c318d82300c84806',
    profile: 'u2net',
    licence: 'Apache-2.0 (U²-Net, Qin et al. 2020, github.com/xuebinqin/U-2-Net)',
    about: 'U²-Netp, the small U²-Net: 4.4 MiB, 320×320 input; salient-object masks, soft on fine detail',
  },
  'isnet-general-use': {
    url: `${RELEASE}/isnet-general-use.onnx`,
    bytes: 178_648_008,
    sha256: '60920e99c45464f2ba57bee2ad08c919a52bbf852739e96947fbb4358c0d964a',
    md5: 'fc16ebd8b0c10d971d3513d564d01e29',
    profile: 'isnet',
    licence: 'Apache-2.0 (DIS / IS-Net, Qin et al. 2022, github.com/xuebinqin/DIS)',
    about: 'IS-Net general use: 170 MiB, 1024×1024 input; sharper edges, ~10× the compute of u2netp',
  },
};

const DOWNLOAD_TIMEOUT_MS = 15 * 60 * 1000;

interface Digests {
  bytes: number;
  sha256: string;
  md5: string;
}

const digestsOf = (data: Uint8Array): Digests => ({
  bytes: data.length,
  sha256: createHash('sha256').update(data).digest('hex'),
  md5: createHash('md5').update(data).digest('hex'),
});

const mismatches = (pin: ModelPin, actual: Digests): string[] =>
  (['bytes', 'sha256', 'md5'] as const)
    .filter((field) => pin[field] !== actual[field])
    .map((field) => `${field}: expected ${pin[field]}, got ${actual[field]}`);

/** Streams `pin.url` to `path`, hashing as it goes, and refuses more bytes than pinned. */
const download = async (pin: ModelPin, path: string): Promise<Digests> => {
  const response = await fetch(pin.url, {
    redirect: 'follow',
    signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS),
  });
  if (!response.ok || !response.body) throw new Error(`GET ${pin.url}: HTTP ${response.status}`);
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let bytes = 0;
  let reported = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > pin.bytes) {
        done(new Error(`more than the pinned ${pin.bytes} bytes`));
        return;
      }
      sha256.update(chunk);
      md5.update(chunk);
      const percent = Math.floor((bytes / pin.bytes) * 10) * 10;
      if (percent > reported) {
        reported = percent;
        process.stderr.write(` ${percent}%`);
      }
      done(null, chunk);
    },
  });
  await pipeline(
    Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
    meter,
    createWriteStream(path),
  );
  process.stderr.write('\n');
  return { bytes, sha256: sha256.digest('hex'), md5: md5.digest('hex') };
};

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

const main = async (): Promise<number> => {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const outValue = outAt >= 0 ? outAt + 1 : -1;
  const directory = resolve(outAt >= 0 ? (args[outValue] ?? '') : '.data/models');
  const names = args.filter((_arg, index) => index !== outAt && index !== outValue);
  const name = names[0] ?? 'u2netp';
  const pin = MODELS[name];
  if (!pin || names.length > 1 || outValue === args.length) {
    console.error(`usage: fetch-segment-model.ts [${Object.keys(MODELS).join('|')}] [--out DIR]`);
    return 2;
  }
  const target = join(directory, `${name}.onnx`);
  await mkdir(directory, { recursive: true });

  if (await exists(target)) {
    const problems = mismatches(pin, digestsOf(await readFile(target)));
    if (problems.length > 0) {
      console.error(
        `${target} exists but is not the pinned file (${problems.join('; ')}); move it away first.`,
      );
      return 1;
    }
    console.error(`${target} is already there and verified.`);
  } else {
    const partial = `${target}.part`;
    console.error(`Downloading ${name} (${(pin.bytes / 1024 / 1024).toFixed(1)} MiB) from ${pin.url}`);
    try {
      const problems = mismatches(pin, await download(pin, partial));
      if (problems.length > 0) throw new Error(`verification failed: ${problems.join('; ')}`);
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
      console.error(
        `${name}: ${error instanceof Error ? error.message : String(error)}${cause}. Nothing was kept.`,
      );
      return 1;
    }
    console.error(`Verified size, SHA-256 and MD5; saved ${target}.`);
  }

  console.error(`\n${pin.about}.\nLicence: ${pin.licence}.\n`);
  console.error('Locally (the model is loaded on the first segment=foreground):');
  console.log(`SEGMENT_MODEL_PATH=${target}`);
  console.log(`SEGMENT_MODEL_PROFILE=${pin.profile}`);
  console.log(`SEGMENT_MODEL_SHA256=${pin.sha256}`);
  console.error(
    `\nOn AWS, upload it next to the originals and deploy with its key instead of a path:\n` +
      `  aws s3 cp ${target} s3://<BucketName>/models/${name}.onnx\n` +
      `  npx cdk deploy --all -c segmentModelKey=models/${name}.onnx -c segmentModelProfile=${pin.profile} ` +
      `-c segmentModelSha256=${pin.sha256}`,
  );
  return 0;
};

process.exitCode = await main();
