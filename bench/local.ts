import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createAdmin } from '#core/admin';
import { systemClock } from '#core/clock';
import { createDocumentClient, createS3Client } from '#core/platform/clients';
import { createObjectStore } from '#core/store/object-store';
import { createVariantStore } from '#core/variants/store';
import { LOCAL_REGION } from '#local/aws-local-clients';
import { startLocalRuntime } from '#local/runtime';

/**
 * One local runtime for all benchmarks (DynamoDB Local in memory, s3rver in a temp dir), with
 * direct clients for the floor measurements and a team key on the largest plan so quotas never
 * interfere. Anonymous rate limits are lifted for the same reason. The emulators are warmed up
 * first, so every figure is of their steady state, as a long-running `npm start` is.
 */
export const startBenchRuntime = async () => {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  process.env.ANON_RATE_LIMIT_HOURLY = '1000000';
  process.env.ANON_RATE_LIMIT_DAILY = '1000000';
  const dataDir = await mkdtemp(join(tmpdir(), 'imgpro-bench-'));
  const tableName = 'bench';
  const bucket = 'bench';
  const runtime = await startLocalRuntime({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    tableName,
    bucketName: bucket,
    inMemory: true,
    cleanupIntervalSeconds: 0,
  });
  const endpoints = {
    region: LOCAL_REGION,
    dynamoDbEndpoint: runtime.dynamoDbEndpoint,
    s3Endpoint: runtime.s3Endpoint,
  };
  const db = createDocumentClient(endpoints);
  const s3 = createS3Client(endpoints);
  const admin = createAdmin({ table: { db, tableName }, clock: systemClock });
  await warmUp(db, s3, tableName, bucket);
  const newTeamKey = async () => {
    const team = await admin.createTeam('bench', 'max');
    const { key } = await admin.createKey(team.team_id);
    return { teamId: team.team_id, key };
  };
  const variants = createVariantStore(createObjectStore({ s3, bucket }));
  return {
    url: runtime.url,
    db,
    s3,
    tableName,
    bucket,
    newTeamKey,
    /** Removes a media's stored variants, so its next miss renders again. */
    forgetVariants: (mediaId: string) => variants.removeAll(mediaId),
    async stop() {
      db.destroy();
      s3.destroy();
      await runtime.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};
export type BenchRuntime = Awaited<ReturnType<typeof startBenchRuntime>>;

/**
 * DynamoDB Local is a JVM: its first few thousand requests run interpreted or half-compiled
 * (measured here: GetItem p50 8.5 ms over the first 300, 1.1 ms after 3,000). s3rver warms
 * faster but also pays its first requests. Without this, whichever benchmark runs first would
 * be billed for the emulators' JIT.
 */
const warmUp = async (
  db: ReturnType<typeof createDocumentClient>,
  s3: ReturnType<typeof createS3Client>,
  tableName: string,
  bucket: string,
) => {
  const body = Buffer.alloc(100_000, 1);
  for (let i = 0; i < 3_000; i++) {
    await db.send(
      new GetCommand({ TableName: tableName, Key: { pk: 'WARM-UP', sk: String(i) }, ConsistentRead: true }),
    );
    if (i % 10 !== 0) continue;
    // Every path a benchmark takes: writes, transactions and object reads, not only GetItem.
    const key = `warm-up/${i}`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToByteArray();
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    const item = { pk: 'WARM-UP', sk: String(i) };
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: item } },
          { Put: { TableName: tableName, Item: { ...item, sk: `${i}b` } } },
        ],
      }),
    );
  }
};
