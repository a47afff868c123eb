/**
 * `npm run -s admin -- <command>`: operator tasks for a self-hosted deployment.
 *
 *   team create --name NAME [--plan free|pro|scale|max]
 *   team show --team TEAM_ID
 *   team set-plan --team TEAM_ID --plan PLAN
 *   key create --team TEAM_ID [--abilities read,write] [--name NAME]
 *   key revoke --key-id KEY_ID
 *   backfill facts [--batch N]   placeholders and facts for media stored before they existed
 *
 * Target, first match wins: `--stack NAME` — the table of that deployed CloudFormation stack (its
 * `TableName` output; either imgpro stack will do), in the stack's region; else TABLE_NAME — that
 * table on AWS (region from AWS_REGION / the usual SDK credentials chain; BUCKET_NAME for the bucket);
 * else the running local runtime found under DATA_DIR (default .data).
 * Prints one JSON object on success; a message on stderr and a non-zero exit otherwise.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { createAdmin } from '#core/admin';
import { createSweepCursors } from '#core/cleanup/repository';
import { systemClock } from '#core/clock';
import { DomainError } from '#core/errors';
import { createFactsBackfill } from '#core/media/facts-backfill';
import { createMediaRepository } from '#core/media/repository';
import { createDocumentClient, createS3Client } from '#core/platform/clients';
import { createObjectStore } from '#core/store/object-store';
import { type RuntimeDescriptor, runtimeDescriptorPath } from '#local/runtime';

const USAGE = `usage: admin [--stack STACK] team create --name NAME [--plan PLAN]
       admin [--stack STACK] team show --team TEAM_ID
       admin [--stack STACK] team set-plan --team TEAM_ID --plan PLAN
       admin [--stack STACK] key create --team TEAM_ID [--abilities read,write] [--name NAME]
       admin [--stack STACK] key revoke --key-id KEY_ID
       admin [--stack STACK] backfill facts [--batch N]`;

class UsageError extends Error {}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    plan: { type: 'string' },
    team: { type: 'string' },
    abilities: { type: 'string' },
    'key-id': { type: 'string' },
    stack: { type: 'string' },
    batch: { type: 'string' },
  },
});

const required = (name: keyof typeof values): string => {
  const value = values[name];
  if (!value) throw new UsageError(`--${name} is required.`);
  return value;
};

interface Target {
  tableName: string;
  endpoint: string | undefined;
  region: string;
  /** Only the backfill reads the bucket. */
  bucketName: string | undefined;
  s3Endpoint: string | undefined;
}

/**
 * Where the data lives: a deployed stack's table, an explicit table (AWS, or DYNAMODB_ENDPOINT), else
 * the running local runtime.
 */
const resolveTarget = async (): Promise<Target> => {
  const env = process.env;
  const region = env.AWS_REGION ?? 'us-east-1';
  if (values.stack) return stackTarget(values.stack);
  if (env.TABLE_NAME) {
    return {
      tableName: env.TABLE_NAME,
      endpoint: env.DYNAMODB_ENDPOINT,
      region,
      bucketName: env.BUCKET_NAME,
      s3Endpoint: env.S3_ENDPOINT,
    };
  }
  const path = runtimeDescriptorPath(resolve(env.DATA_DIR ?? '.data'));
  const descriptor = await readFile(path, 'utf8').then(
    (text) => JSON.parse(text) as RuntimeDescriptor,
    () => undefined,
  );
  if (!descriptor || !isRunning(descriptor.pid)) {
    throw new UsageError(
      'The local runtime is not running: start it with `npm start` (same DATA_DIR), ' +
        'or set TABLE_NAME and AWS_REGION to manage a deployment on AWS.',
    );
  }
  // The local runtime's own: s3rver accepts only these (DynamoDB Local accepts any).
  env.AWS_ACCESS_KEY_ID = 'S3RVER';
  env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  return {
    tableName: descriptor.tableName,
    endpoint: descriptor.dynamoDbEndpoint,
    region,
    bucketName: descriptor.bucketName,
    s3Endpoint: descriptor.s3Endpoint,
  };
};

/** The `TableName` output of a deployed stack, in the region the stack lives in (from its ARN). */
const stackTarget = async (stackName: string): Promise<Target> => {
  const cloudFormation = new CloudFormationClient({});
  try {
    const { Stacks } = await cloudFormation
      .send(new DescribeStacksCommand({ StackName: stackName }))
      .catch((error: Error) => {
        throw new Error(`cannot read stack ${stackName}: ${error.message}`);
      });
    const stack = Stacks?.[0];
    const output = (key: string) => stack?.Outputs?.find((entry) => entry.OutputKey === key)?.OutputValue;
    const tableName = output('TableName');
    if (!stack?.StackId || !tableName) {
      throw new UsageError(
        `Stack ${stackName} has no TableName output: is it an imgpro stack, fully deployed?`,
      );
    }
    return {
      tableName,
      endpoint: undefined,
      region: stack.StackId.split(':')[3] ?? (await cloudFormation.config.region()),
      bucketName: output('BucketName'),
      s3Endpoint: undefined,
    };
  } finally {
    cloudFormation.destroy();
  }
};

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const run = async () => {
  const command = positionals.join(' ');
  const known = ['team create', 'team show', 'team set-plan', 'key create', 'key revoke', 'backfill facts'];
  if (!known.includes(command))
    throw new UsageError(command ? `Unknown command "${command}".` : 'No command given.');

  const target = await resolveTarget();
  const db = createDocumentClient({ region: target.region, dynamoDbEndpoint: target.endpoint });
  const admin = createAdmin({ table: { db, tableName: target.tableName }, clock: systemClock });
  try {
    if (command === 'backfill facts') return await backfillFacts(target, db);
    switch (command) {
      case 'team create':
        return await admin.createTeam(required('name'), values.plan);
      case 'team show':
        return await admin.showTeam(required('team'));
      case 'team set-plan':
        return await admin.setPlan(required('team'), required('plan'));
      case 'key create':
        return await admin.createKey(required('team'), { abilities: values.abilities, name: values.name });
      default:
        return await admin.revokeKey(required('key-id'));
    }
  } finally {
    db.destroy();
  }
};

/**
 * Runs the facts backfill to the end of a pass, from wherever the last run (or the cleanup
 * schedule) left its cursor; progress on stderr. Interrupted, it goes on from there next time.
 */
const backfillFacts = async (target: Target, db: ReturnType<typeof createDocumentClient>) => {
  if (!target.bucketName) throw new UsageError('BUCKET_NAME is required with TABLE_NAME for the backfill.');
  const batch = Number(values.batch ?? 100);
  if (!Number.isInteger(batch) || batch < 1 || batch > 1000) throw new UsageError('--batch must be 1–1000.');
  const s3 = createS3Client({ region: target.region, s3Endpoint: target.s3Endpoint });
  const table = { db, tableName: target.tableName };
  const backfill = createFactsBackfill({
    media: createMediaRepository(table),
    objects: createObjectStore({ s3, bucket: target.bucketName }),
    sweeps: createSweepCursors(table),
    clock: systemClock,
    logger: { error: (message, extra) => console.error(message, JSON.stringify(extra)) },
  });
  const total = { checked: 0, filled: 0, failed: 0 };
  try {
    for (;;) {
      const step = await backfill.step({ limit: batch, maxDecodes: batch });
      total.checked += step.checked;
      total.filled += step.filled;
      total.failed += step.failed;
      console.error(`checked ${total.checked} originals, filled ${total.filled}, failed ${total.failed}`);
      if (step.passComplete) return total;
    }
  } finally {
    s3.destroy();
  }
};

try {
  console.log(JSON.stringify(await run(), null, 2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(error instanceof DomainError ? error.message : `Failed: ${(error as Error).message}`);
  process.exit(1);
}
