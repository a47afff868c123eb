import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdmin } from '#core/admin';
import { createApiKeyRepository } from '#core/api-keys/repository';
import { systemClock } from '#core/clock';
import { createDocumentClient, createS3Client } from '#core/platform/clients';
import { createTeamRepository } from '#core/teams/repository';
import { startLocalRuntime } from '#local/runtime';

/**
 * One local runtime for all benchmarks (DynamoDB Local in memory, s3rver in a temp dir), with
 * direct clients for the floor measurements and a team key on the largest plan so quotas never
 * interfere. Anonymous rate limits are lifted for the same reason.
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
    region: 'us-east-1',
    dynamoDbEndpoint: runtime.dynamoDbEndpoint,
    s3Endpoint: runtime.s3Endpoint,
  };
  const db = createDocumentClient(endpoints);
  const s3 = createS3Client(endpoints);
  const admin = createAdmin({
    teams: createTeamRepository({ db, tableName }),
    apiKeys: createApiKeyRepository({ db, tableName }),
    clock: systemClock,
  });
  const newTeamKey = async () => {
    const team = await admin.createTeam('bench', 'max');
    const { key } = await admin.createKey(team.team_id);
    return { teamId: team.team_id, key };
  };
  return {
    url: runtime.url,
    db,
    s3,
    tableName,
    bucket,
    newTeamKey,
    async stop() {
      db.destroy();
      s3.destroy();
      await runtime.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};
export type BenchRuntime = Awaited<ReturnType<typeof startBenchRuntime>>;
