/**
 * Upload latency and throughput through the local runtime, next to the physical floor measured in
 * the same run on the same backends: the S3 PutObject + DynamoDB TransactWriteItems one upload does.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import sharp from 'sharp';
import { newMediaId } from '#core/ids';
import { imageFacts, toThumbnail } from '#core/images/facts';
import { keys } from '#core/store/keys';
import type { BenchRuntime } from './local.ts';
import { ms, type Section, times } from './report.ts';
import { measure, measurePaired, pairedRatio, summarise } from './stats.ts';

/** A photo-like JPEG of roughly `bytes` (noise keeps it from compressing away). */
const photo = async (bytes: number) => {
  const side = Math.round(Math.sqrt(bytes / 0.45));
  return sharp({
    create: {
      width: side,
      height: side,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .jpeg({ quality: 80 })
    .toBuffer();
};

/** POST /v1/upload as a client does; the new media's id. */
export const uploadFile = async (url: string, key: string, file: Uint8Array): Promise<string> => {
  const form = new FormData();
  form.append('file', new Blob([file]), 'photo.jpg');
  const response = await fetch(`${url}/v1/upload`, {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${key}` },
  });
  if (response.status !== 201) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
};

const uploadOnce = (runtime: BenchRuntime, key: string, file: Buffer) => uploadFile(runtime.url, key, file);

const floorOnce = async (runtime: BenchRuntime, teamId: string, file: Buffer) => {
  const id = newMediaId();
  await runtime.s3.send(
    new PutObjectCommand({
      Bucket: runtime.bucket,
      Key: `floor/${id}`,
      Body: file,
      ContentType: 'image/jpeg',
    }),
  );
  await runtime.db.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: runtime.tableName,
            Item: { ...keys.media(id), id, filesize: file.length },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Update: {
            TableName: runtime.tableName,
            Key: keys.team(teamId),
            UpdateExpression: 'ADD storage_used_bytes :b, media_stored :one',
            ExpressionAttributeValues: { ':b': file.length, ':one': 1 },
          },
        },
        {
          Update: {
            TableName: runtime.tableName,
            Key: keys.monthlyUsage(teamId, 'bench'),
            UpdateExpression: 'ADD uploads :one',
            ExpressionAttributeValues: { ':one': 1 },
          },
        },
      ],
    }),
  );
};

/** Uploads per second with `concurrency` clients for `count` uploads in all. */
const throughput = async (task: () => Promise<unknown>, count: number, concurrency: number) => {
  let started = 0;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < count) {
        started++;
        await task();
      }
    }),
  );
  return count / ((performance.now() - begin) / 1000);
};

/** The target: an upload within 1.5× of its floor. */
const TARGET = 1.5;

export const benchUploads = async (runtime: BenchRuntime): Promise<Section> => {
  const { key, teamId } = await runtime.newTeamKey();
  const rows: (string | number)[][] = [];
  const floors: number[] = [];
  for (const [label, bytes, count] of [
    ['100 KB', 100 * 1024, 60],
    ['1 MB', 1024 * 1024, 60],
    ['10 MB', 10 * 1024 * 1024, 15],
  ] as const) {
    const file = await photo(bytes);
    const paired = await measurePaired(
      () => uploadOnce(runtime, key, file),
      () => floorOnce(runtime, teamId, file),
      count,
      3,
    );
    const [viaRuntime, floor] = [summarise(paired[0]), summarise(paired[1])];
    const perSecond = await throughput(() => uploadOnce(runtime, key, file), count, 4);
    const ratio = pairedRatio(paired);
    floors.push(floor.p50);
    rows.push([
      `${label} (${(file.length / 1024).toFixed(0)} KiB)`,
      ms(viaRuntime.p50),
      ms(viaRuntime.p95),
      ms(floor.p50),
      ms(floor.p95),
      `${times(ratio)}${ratio > TARGET ? ' (over)' : ''}`,
      perSecond.toFixed(1),
    ]);
  }
  // What placeholders and facts add to ingest: the validating decode makes their thumbnail anyway, so
  // their cost is the hashing and colour work on it (a 64×64 photo, the largest thumbnail there is).
  const thumbnail = await toThumbnail(sharp(await photo(1024 * 1024)));
  const factsMs = summarise(
    await measure(
      async () => imageFacts(thumbnail, { frames: 1, colorSpace: 'srgb', alphaChannel: false }),
      300,
    ),
  ).p50;
  rows.push([
    'placeholder + facts, added to ingest',
    ms(factsMs),
    '–',
    '–',
    '–',
    floors.map((floor) => times(factsMs / floor)).join(' / '),
    '–',
  ]);
  return {
    title: 'Upload (POST /v1/upload through the local runtime)',
    header: [
      'file',
      'p50 ms',
      'p95 ms',
      'floor p50 ms',
      'floor p95 ms',
      'runtime / floor (median of pairs)',
      'uploads/s (4 clients)',
    ],
    rows,
    notes: [
      'Each upload is paired with a floor run (order flipping every pair); the ratio is the median of the pairs’ ratios.',
      'Floor: the S3 PutObject and DynamoDB TransactWriteItems (media + team + monthly counter) of one upload, same bytes, same backends, same run.',
      'The upload also authenticates the key (1 GetItem), reads the team and its monthly counter (2 GetItems, in parallel) and decodes the whole image to reject corrupt data; these are not in the floor.',
      'Targets: ≤ 1.5× the floor at p50; ≥ 30 uploads/s of 1 MB on 2 cores.',
      'The last row is what computing the placeholder and facts adds to an upload (ThumbHash, BlurHash, colours on the 64 px thumbnail the validating decode already makes), as a ratio to each size’s floor (100 KB / 1 MB / 10 MB).',
    ],
  };
};
