import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '#test/fixtures';
import { filteredSvg } from '#test/hostile';
import { json, upload } from '#test/http';

/**
 * `npm start` and the admin CLI as an operator uses them: separate processes, embedded DynamoDB
 * Local and s3rver persisted under DATA_DIR, stopped by a signal.
 */
const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const tsx = join(root, 'node_modules/.bin/tsx');
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'imgpro-runtime-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const childEnv = () => {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0' };
  // The parent test process has its own runtime's settings; the child must start its own backends.
  for (const name of ['TABLE_NAME', 'BUCKET_NAME', 'DYNAMODB_ENDPOINT', 'S3_ENDPOINT', 'PUBLIC_BASE_URL'])
    delete env[name];
  return env;
};

const start = async (): Promise<{ child: ChildProcess; url: string; javaPid: number }> => {
  const child = spawn(tsx, ['bin/local.ts'], {
    cwd: root,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /API:\s+(http:\/\/localhost:\d+)\/v1/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`runtime exited with ${code}: ${output}`)));
  });
  const descriptor = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as {
    dynamoDbEndpoint: string;
  };
  const javaPid = await javaListeningOn(new URL(descriptor.dynamoDbEndpoint).port);
  return { child, url, javaPid };
};

/** The pid of the java process started by the runtime (a child of the runtime process tree). */
const javaListeningOn = async (port: string): Promise<number> => {
  const { stdout } = await run('pgrep', ['-f', `DynamoDBLocal.jar -port ${port}`]);
  const pid = Number(stdout.trim().split('\n')[0]);
  expect(pid).toBeGreaterThan(0);
  return pid;
};

/**
 * Whether `pid` still runs. A zombie (exited, not yet reaped: where PID 1 does not reap orphans, it
 * may stay one) runs nothing and holds nothing but its entry, so it counts as gone.
 */
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  // The state follows the parenthesised command name: `pid (comm) S …`.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
};

const stop = async (child: ChildProcess, javaPid: number) => {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = await exited;
  expect(code).toBe(0);
  for (let i = 0; i < 50 && isAlive(javaPid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(isAlive(javaPid)).toBe(false);
};

/** `pid` and every process below it. */
const processTree = async (pid: number): Promise<number[]> => {
  const { stdout } = await run('pgrep', ['-P', String(pid)]).catch(() => ({ stdout: '' }));
  const children = stdout.split('\n').filter(Boolean).map(Number);
  return [pid, ...(await Promise.all(children.map(processTree))).flat()];
};

const admin = async (...args: string[]) => {
  const { stdout } = await run(tsx, ['bin/admin.ts', ...args], { cwd: root, env: childEnv() });
  return JSON.parse(stdout) as Record<string, unknown>;
};

describe('the local runtime (npm start) with the admin CLI', () => {
  it('serves uploads with keys made by the admin CLI, keeps data across restarts and leaves no java behind', async () => {
    const first = await start();
    const team = await admin('team', 'create', '--name', 'Demo', '--plan', 'pro');
    expect(team).toMatchObject({ team_id: expect.stringMatching(/^team_/), name: 'Demo', plan: 'pro' });
    const key = await admin('key', 'create', '--team', String(team.team_id), '--name', 'laptop');
    expect(key).toMatchObject({ key: expect.stringMatching(/^imgpro_/), key_id: expect.any(String) });

    const created = await json(await upload(first.url, { file: await jpeg(), key: String(key.key) }));
    expect(created.link).toBe(`${first.url}/${created.id}`);
    expect((await fetch(String(created.link))).headers.get('content-type')).toBe('image/jpeg');
    await stop(first.child, first.javaPid);

    const second = await start();
    const link = String(created.link).replace(first.url, second.url);
    expect((await fetch(link)).status).toBe(200);
    expect(await admin('team', 'show', '--team', String(team.team_id))).toMatchObject({ media_stored: 1 });

    await admin('key', 'revoke', '--key-id', String(key.key_id));
    expect((await upload(second.url, { file: await jpeg(), key: String(key.key) })).status).toBe(401);
    await stop(second.child, second.javaPid);
  }, 90_000);

  it('stops on SIGTERM in the middle of renders, leaving no process behind', async () => {
    const runtime = await start();
    const file = filteredSvg(1000, 750);
    const created = await json(await upload(runtime.url, { file, filename: 'glow.svg' }));
    expect(created.link).toEqual(expect.any(String));
    const tree = await processTree(runtime.child.pid as number);
    // Renders of a second or more each, never answered: the runtime is stopped while they run.
    const views = [1000, 1100, 1200, 1300].map((width) =>
      fetch(`${created.link}?w=${width}&fit=contain&format=png`, { headers: { accept: 'image/*' } }).catch(
        () => undefined,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = performance.now();
    await stop(runtime.child, runtime.javaPid);
    // Stopping waits for DynamoDB Local's JVM to exit (seconds on a loaded machine), never for the renders.
    expect(performance.now() - started).toBeLessThan(30_000);
    await Promise.all(views);
    // Children are reaped a moment after their parent exits, later on a loaded machine.
    await expect.poll(() => tree.filter(isAlive), { timeout: 10_000 }).toEqual([]);
  }, 90_000);

  it('tells the operator when no runtime is running', async () => {
    const failure = await run(tsx, ['bin/admin.ts', 'team', 'show', '--team', 'x'], {
      cwd: root,
      env: childEnv(),
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 3, stderr: expect.stringContaining('npm start') });
  });
});
