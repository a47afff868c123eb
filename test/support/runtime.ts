import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect, inject } from 'vitest';
import { createAdmin } from '#core/admin';
import { createDocumentClient, createS3Client } from '#core/platform/clients';
import { DIRECT_UPLOAD_SECONDS } from '#core/uploads/service';
import { LOCAL_REGION } from '#local/aws-local-clients';
import type { Architecture } from '#local/lambda/kit';
import { startLocalRuntime } from '#local/runtime';
import { TravellingClock } from '#test/clock';

let counter = 0;

/** A name no other test file uses, valid as a table and a bucket name. */
export const uniqueName = (prefix: string): string =>
  `${prefix}-${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/**
 * The local runtime, in this test file's process, on the shared emulators with a table and bucket
 * of its own; plus direct clients to inspect what was stored, and the operator's admin actions.
 * `settings` are the services' environment variables, set before any handler reads its
 * configuration (given the table and bucket names where a setting names one of them). Under
 * `npm run test:deploy` the routes are served by the synthesized functions (`cloudAssembly` is
 * provided), in processes of their own: there the clock cannot travel.
 */
export const startTestRuntime = async (
  settings:
    | Record<string, string>
    | ((names: { tableName: string; bucketName: string }) => Record<string, string>) = {},
  options: {
    architecture?: Architecture;
    functionTimeoutSeconds?: number;
    /** DynamoDB through this endpoint instead of the shared emulator's (a recording proxy). */
    dynamoDbEndpoint?: string;
    /** Large uploads through the full-size upload path, routed as the edge routes them. */
    fullSizeUploads?: boolean;
  } = {},
) => {
  const cloudAssembly = inject('cloudAssembly');
  const dataDir = await mkdtemp(join(tmpdir(), 'imgpro-test-'));
  const tableName = uniqueName('media');
  const bucketName = uniqueName('originals');
  const clock = new TravellingClock();
  const runtime = await startLocalRuntime({
    clock,
    cleanupIntervalSeconds: 0,
    functionTimeoutSeconds: options.functionTimeoutSeconds,
    fullSizeUploads: options.fullSizeUploads,
    port: 0,
    host: '127.0.0.1',
    dataDir,
    tableName,
    bucketName,
    dynamoDbEndpoint: options.dynamoDbEndpoint ?? inject('dynamoDbEndpoint'),
    s3Endpoint: inject('s3Endpoint'),
    settings: typeof settings === 'function' ? settings({ tableName, bucketName }) : settings,
    cloudAssembly:
      cloudAssembly === undefined
        ? undefined
        : {
            directory: cloudAssembly,
            architecture: options.architecture,
            // FUNCTION_LOGS=1 prints what the functions log, for a failure that needs it.
            ...(process.env.FUNCTION_LOGS === '1' && {
              onLog: (fn: { name: string }, line: string) => console.log(`[${fn.name}] ${line}`),
            }),
          },
  });
  // The clients the services build, so writes made here reach the emulators exactly as theirs do.
  const endpoints = {
    region: LOCAL_REGION,
    dynamoDbEndpoint: runtime.dynamoDbEndpoint,
    s3Endpoint: runtime.s3Endpoint,
  };
  const db = createDocumentClient(endpoints);
  const s3 = createS3Client(endpoints);
  const admin = createAdmin({ table: { db, tableName }, clock });

  return {
    url: runtime.url,
    clock,
    /** One run of the cleanup job, through the handler the schedule invokes. */
    runCleanup: runtime.runCleanup,
    /** The synthesized functions and the AWS APIs stood in for (under `npm run test:deploy`). */
    cloudAssembly: runtime.cloudAssembly,
    tableName,
    bucketName,
    /** Where the runtime keeps its data and its descriptor (what `admin` finds it by). */
    dataDir,
    db,
    s3,
    admin,

    /** A new team with one key (read+write unless told otherwise). */
    async newKey(options: { abilities?: string; plan?: string } = {}) {
      const team = await admin.createTeam(uniqueName('team'), options.plan);
      const key = await admin.createKey(team.team_id, { abilities: options.abilities });
      return { teamId: team.team_id, keyId: key.key_id, key: key.key };
    },

    /** Every item in the table (tests are small; a scan is the honest way to see "nothing else"). */
    async items(): Promise<Record<string, unknown>[]> {
      const { Items = [] } = await db.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
      return Items;
    },

    async mediaItems() {
      return (await this.items()).filter((item) => String(item.pk).startsWith('MEDIA#'));
    },

    /**
     * The invariant behind every quota: each team's counters equal what it really stores (media not
     * deleted), and each monthly counter equals the uploads the team made that month — its media,
     * plus the direct uploads it started and never completed (an intent counts when it is created;
     * a completed one is media, counted once). An intent is dated by its creation and its media by
     * the completion, an hour later at most: the months could only disagree across a month's end.
     */
    async expectCountersToMatchMedia() {
      const items = await this.items();
      const media = items.filter(
        (item) => String(item.pk).startsWith('MEDIA#') && item.team_id !== undefined,
      );
      const openIntents = items.filter((item) => String(item.pk).startsWith('UPLOAD#'));
      for (const team of items.filter((item) => item.sk === 'TEAM')) {
        const ours = media.filter((item) => item.team_id === team.id);
        const stored = ours.filter((item) => item.deleted_at === undefined);
        expect({ team: team.id, bytes: team.storage_used_bytes, count: team.media_stored }).toEqual({
          team: team.id,
          bytes: stored.reduce((sum, item) => sum + Number(item.filesize), 0),
          count: stored.length,
        });
        const startedAtMs = openIntents
          .filter((item) => (item.owner as { teamId?: string }).teamId === team.id)
          .map((item) => (Number(item.expires_at) - DIRECT_UPLOAD_SECONDS) * 1000);
        for (const usage of items.filter(
          (item) => item.pk === team.pk && String(item.sk).startsWith('USAGE#'),
        )) {
          const month = String(usage.sk).slice('USAGE#'.length);
          const inMonth = (ms: number) => new Date(ms).toISOString().startsWith(month);
          const uploads =
            ours.filter((item) => inMonth(Number(item.created_at_ms))).length +
            startedAtMs.filter(inMonth).length;
          expect({ team: team.id, month, uploads: usage.uploads }).toEqual({ team: team.id, month, uploads });
        }
      }
    },

    async objectKeys(): Promise<string[]> {
      const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: bucketName }));
      return Contents.map((object) => object.Key ?? '');
    },

    async stop() {
      db.destroy();
      s3.destroy();
      await runtime.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};
export type TestRuntime = Awaited<ReturnType<typeof startTestRuntime>>;
