/**
 * `npm run -s admin -- <command>`: operator tasks for a self-hosted deployment. `--help` lists the
 * commands; `<command> --help` explains one.
 *
 * Target, first match wins: `--stack NAME` — the table of that deployed CloudFormation stack (its
 * `TableName` output; either imgpro stack will do), in the stack's region; else TABLE_NAME — that
 * table on AWS (region from AWS_REGION / the usual SDK credentials chain; BUCKET_NAME for the bucket);
 * else the running local runtime found under DATA_DIR (default .data).
 * Prints one JSON object on success (or one value with `--field NAME`), a one-line message on stderr
 * otherwise, with an exit code scripts can branch on (EXIT below).
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
import { PlanOverrides, planCatalogue } from '#core/plans';
import { createDocumentClient, createS3Client } from '#core/platform/clients';
import { createObjectStore } from '#core/store/object-store';
import { type RuntimeDescriptor, runtimeDescriptorPath } from '#local/runtime';

/** Exit codes: what a script can tell apart without reading the message. */
const EXIT = {
  ok: 0,
  /** The action failed (AWS refused it, an unexpected error). */
  failed: 1,
  /** The command line is wrong: unknown command or option, a missing or malformed argument. */
  usage: 2,
  /** Nothing to talk to: the local runtime is not running, or the table cannot be reached. */
  unreachable: 3,
  /** The team or key named does not exist. */
  notFound: 4,
} as const;

interface Command {
  usage: string;
  summary: string;
  /** Options this command takes, besides the global ones. */
  options: readonly OptionName[];
}

const COMMANDS: Record<string, Command> = {
  'team create': {
    usage: 'team create --name NAME [--plan free|pro|scale|max]',
    summary: 'Create a team (free plan unless told); prints its team_id.',
    options: ['name', 'plan'],
  },
  'team list': { usage: 'team list', summary: 'Every team, oldest first.', options: [] },
  'team show': {
    usage: 'team show --team TEAM_ID',
    summary: "A team's plan and storage.",
    options: ['team'],
  },
  'team set-plan': {
    usage: 'team set-plan --team TEAM_ID --plan PLAN',
    summary: "Change a team's plan.",
    options: ['team', 'plan'],
  },
  'key create': {
    usage: 'key create --team TEAM_ID [--abilities read,write] [--name NAME]',
    summary: 'A new API key for a team; the key is shown this once.',
    options: ['team', 'abilities', 'name'],
  },
  'key list': {
    usage: 'key list [--team TEAM_ID]',
    summary: 'Keys (never their secrets), of one team or all.',
    options: ['team'],
  },
  'key rotate': {
    usage: 'key rotate --key-id KEY_ID [--grace DURATION]',
    summary:
      'A new key like the old one; the old one is revoked at once, or after the grace period (e.g. 3600, 30m, 24h, 7d).',
    options: ['key-id', 'grace'],
  },
  'key revoke': { usage: 'key revoke --key-id KEY_ID', summary: 'Revoke a key now.', options: ['key-id'] },
  usage: {
    usage: 'usage --team TEAM_ID',
    summary: "A team's uploads this month and storage, against its plan.",
    options: ['team'],
  },
  'backfill facts': {
    usage: 'backfill facts [--batch N]',
    summary: 'Placeholders and facts for media stored before they existed.',
    options: ['batch'],
  },
};

const GLOBAL_HELP = `usage: npm run -s admin -- [--stack STACK] <command> [options] [--field NAME]

Commands:
${Object.values(COMMANDS)
  .map((command) => `  ${command.usage}\n      ${command.summary}`)
  .join('\n')}

Global options:
  --stack STACK   manage that deployed stack's table (else TABLE_NAME, else the local runtime under DATA_DIR)
  --field NAME    print only this field of the answer (e.g. --field key), for scripts
  --help          this help, or a command's: npm run -s admin -- key rotate --help

Exit codes: 0 done, 1 failed, 2 wrong command line, 3 runtime or table unreachable, 4 no such team or key.`;

class CliError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}
const usageError = (message: string) => new CliError(message, EXIT.usage);

const OPTIONS = {
  name: { type: 'string' },
  plan: { type: 'string' },
  team: { type: 'string' },
  abilities: { type: 'string' },
  'key-id': { type: 'string' },
  grace: { type: 'string' },
  stack: { type: 'string' },
  batch: { type: 'string' },
  field: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
type OptionName = Exclude<keyof typeof OPTIONS, 'stack' | 'field' | 'help'>;

const parseCommandLine = () => {
  try {
    return parseArgs({ allowPositionals: true, strict: true, options: OPTIONS });
  } catch (error) {
    // node:util's messages name the option; its stack says nothing an operator needs.
    throw usageError((error as Error).message.split('\n')[0] ?? 'Bad arguments.');
  }
};

let values: ReturnType<typeof parseCommandLine>['values'] = {};

const required = (name: OptionName): string => {
  const value = values[name];
  if (typeof value !== 'string' || !value.trim()) throw usageError(`--${name} is required.`);
  return value;
};

/** `3600`, `90s`, `30m`, `24h`, `7d` → seconds. */
const durationSeconds = (text: string): number => {
  const match = /^(\d{1,7})([smhd]?)$/.exec(text.trim());
  if (!match) throw usageError(`--grace must be a duration such as 3600, 30m, 24h or 7d, got "${text}".`);
  const unit = { '': 1, s: 1, m: 60, h: 3_600, d: 86_400 }[match[2] ?? ''] ?? 1;
  return Number(match[1]) * unit;
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
    throw new CliError(
      `The local runtime is not running under ${resolve(env.DATA_DIR ?? '.data')}: start it with \`npm start\` ` +
        '(same DATA_DIR), or set TABLE_NAME and AWS_REGION to manage a deployment on AWS.',
      EXIT.unreachable,
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
        throw new CliError(`Cannot read stack ${stackName}: ${error.message}`, EXIT.unreachable);
      });
    const stack = Stacks?.[0];
    const output = (key: string) => stack?.Outputs?.find((entry) => entry.OutputKey === key)?.OutputValue;
    const tableName = output('TableName');
    if (!stack?.StackId || !tableName) {
      throw usageError(`Stack ${stackName} has no TableName output: is it an imgpro stack, fully deployed?`);
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

const run = async (positionals: string[]): Promise<unknown> => {
  const name = positionals.join(' ');
  const command = COMMANDS[name];
  if (values.help) {
    if (command) return { help: `usage: npm run -s admin -- ${command.usage}\n${command.summary}` };
    if (!name || !COMMANDS[positionals[0] ?? '']) return { help: GLOBAL_HELP };
  }
  if (!command) {
    const near = Object.keys(COMMANDS).filter((known) => known.startsWith(`${positionals[0] ?? ''} `));
    throw usageError(
      name
        ? `Unknown command "${name}".${near.length ? ` Did you mean: ${near.join(', ')}?` : ''} See --help.`
        : 'No command given. See --help.',
    );
  }
  const stray = (Object.keys(values) as (keyof typeof values)[]).filter(
    (option) =>
      values[option] !== undefined &&
      !['stack', 'field', 'help'].includes(option) &&
      !command.options.includes(option as OptionName),
  );
  if (stray.length > 0) throw usageError(`${name} takes no --${stray[0]}. Usage: ${command.usage}`);
  const grace = values.grace === undefined ? 0 : durationSeconds(values.grace);
  if (values.batch !== undefined && !/^\d{1,4}$/.test(values.batch))
    throw usageError('--batch must be 1–1000.');

  const target = await resolveTarget();
  const db = createDocumentClient({ region: target.region, dynamoDbEndpoint: target.endpoint });
  const admin = createAdmin({
    table: { db, tableName: target.tableName },
    clock: systemClock,
    plans: plans(),
  });
  try {
    switch (name) {
      case 'team create':
        return await admin.createTeam(required('name'), values.plan);
      case 'team list':
        return await admin.listTeams();
      case 'team show':
        return await admin.showTeam(required('team'));
      case 'team set-plan':
        return await admin.setPlan(required('team'), required('plan'));
      case 'key create':
        return await admin.createKey(required('team'), { abilities: values.abilities, name: values.name });
      case 'key list':
        return await admin.listKeys(values.team);
      case 'key rotate':
        return await admin.rotateKey(required('key-id'), grace);
      case 'key revoke':
        return await admin.revokeKey(required('key-id'));
      case 'usage':
        return await admin.usage(required('team'));
      default:
        return await backfillFacts(target, db);
    }
  } finally {
    db.destroy();
  }
};

/** The deployment's plan numbers when the operator passes its PLANS here too; else the reference's. */
const plans = () => {
  const parsed = PlanOverrides.safeParse(safeJson(process.env.PLANS ?? '{}'));
  if (!parsed.success)
    throw usageError('PLANS must be the JSON the deployment uses, e.g. {"free":{"uploadsPerMonth":500}}.');
  return planCatalogue(parsed.data);
};

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * Runs the facts backfill to the end of a pass, from wherever the last run (or the cleanup
 * schedule) left its cursor; progress on stderr. Interrupted, it goes on from there next time.
 */
const backfillFacts = async (target: Target, db: ReturnType<typeof createDocumentClient>) => {
  if (!target.bucketName) throw usageError('BUCKET_NAME is required with TABLE_NAME for the backfill.');
  const batch = Number(values.batch ?? 100);
  if (!Number.isInteger(batch) || batch < 1 || batch > 1000) throw usageError('--batch must be 1–1000.');
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

/** Errors that mean the table could not be reached at all (the runtime stopped, no network). */
const UNREACHABLE =
  /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|socket hang up|Could not load credentials/i;

const main = async (): Promise<number> => {
  try {
    const parsed = parseCommandLine();
    values = parsed.values;
    const result = await run(parsed.positionals);
    if (result && typeof result === 'object' && 'help' in result) {
      console.log(String(result.help));
      return EXIT.ok;
    }
    if (values.field !== undefined) {
      const value = (result as Record<string, unknown>)[values.field];
      if (value === undefined) throw usageError(`The answer has no field "${values.field}".`);
      console.log(typeof value === 'string' ? value : JSON.stringify(value));
    } else console.log(JSON.stringify(result, null, 2));
    return EXIT.ok;
  } catch (error) {
    const [message, code] =
      error instanceof CliError
        ? [error.message, error.code]
        : error instanceof DomainError
          ? [error.message, error.kind === 'not_found' ? EXIT.notFound : EXIT.usage]
          : UNREACHABLE.test(
                `${(error as Error).name} ${(error as Error).message} ${String((error as Error).cause ?? '')}`,
              )
            ? [
                `Cannot reach the table: ${(error as Error).message || (error as Error).name}.`,
                EXIT.unreachable,
              ]
            : [`Failed: ${(error as Error).message || String(error)}`, EXIT.failed];
    console.error(`admin: ${message.split('\n')[0]}`);
    return code;
  }
};

process.exitCode = await main();
