/**
 * Upload latency through the local runtime next to its physical floor, measured in the same run:
 * the raw S3 PutObject + DynamoDB TransactWriteItems that one upload performs, on the same backends.
 * Usage: npx tsx bench/upload.ts [count]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import sharp from 'sharp';
import { createAdmin } from '#core/admin';
import { createApiKeyRepository } from '#core/api-keys/repository';
import { systemClock } from '#core/clock';
import { newMediaId } from '#core/ids';
import { createDocumentClient, createS3Client } from '#core/platform/clients';
import { keys } from '#core/store/keys';
import { createTeamRepository } from '#core/teams/repository';
import { startLocalRuntime } from '#local/runtime';
import { measure, ms, summarise } from './stats.ts';

const count = Number(process.argv[2] ?? 100);
const dataDir = await mkdtemp(join(tmpdir(), 'imgpro-bench-'));
const runtime = await startLocalRuntime({
  port: 0,
  host: '127.0.0.1',
  dataDir,
  tableName: 'bench',
  bucketName: 'bench',
  inMemory: true,
});

try {
  const config = {
    region: 'us-east-1',
    dynamoDbEndpoint: runtime.dynamoDbEndpoint,
    s3Endpoint: runtime.s3Endpoint,
  };
  const db = createDocumentClient(config);
  const s3 = createS3Client(config);
  const admin = createAdmin({
    teams: createTeamRepository({ db, tableName: 'bench' }),
    apiKeys: createApiKeyRepository({ db, tableName: 'bench' }),
    clock: systemClock,
  });
  const team = await admin.createTeam('bench', 'max');
  const { key } = await admin.createKey(team.team_id);

  // A 1920×1080 photo-like JPEG of about 1 MB (noise keeps it from compressing away).
  const noise = await sharp({
    create: {
      width: 1920,
      height: 1080,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .jpeg({ quality: 80 })
    .toBuffer();
  console.log(
    `input: 1920×1080 JPEG, ${(noise.length / 1024).toFixed(0)} KiB; ${count} sequential requests each`,
  );

  const viaRuntime = await measure(async () => {
    const form = new FormData();
    form.append('file', new Blob([noise]), 'photo.jpg');
    const response = await fetch(`${runtime.url}/v1/upload`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${key}` },
    });
    if (response.status !== 201)
      throw new Error(`upload failed: ${response.status} ${await response.text()}`);
  }, count);

  const floor = await measure(async () => {
    const id = newMediaId();
    await s3.send(
      new PutObjectCommand({ Bucket: 'bench', Key: `floor/${id}`, Body: noise, ContentType: 'image/jpeg' }),
    );
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: 'bench', Item: { ...keys.media(id), id, filesize: noise.length } } },
          {
            Update: {
              TableName: 'bench',
              Key: keys.team(team.team_id),
              UpdateExpression: 'ADD storage_used_bytes :b, media_stored :one',
              ExpressionAttributeValues: { ':b': noise.length, ':one': 1 },
            },
          },
          {
            Update: {
              TableName: 'bench',
              Key: keys.monthlyUsage(team.team_id, 'bench'),
              UpdateExpression: 'ADD uploads :one',
              ExpressionAttributeValues: { ':one': 1 },
            },
          },
        ],
      }),
    );
  }, count);

  const a = summarise(viaRuntime);
  const b = summarise(floor);
  console.log(`upload via local runtime: p50 ${ms(a.p50)}  p95 ${ms(a.p95)}`);
  console.log(`raw S3 put + DynamoDB tx: p50 ${ms(b.p50)}  p95 ${ms(b.p95)}`);
  console.log(`ratio at p50: ${(a.p50 / b.p50).toFixed(2)}×`);
  db.destroy();
  s3.destroy();
} finally {
  await runtime.stop();
  await rm(dataDir, { recursive: true, force: true });
}
