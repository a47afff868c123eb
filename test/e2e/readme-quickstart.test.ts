import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The README's quick start, followed literally: its `sh` blocks under "Try it locally" (read from
 * README.md, not copied here) run in one shell, in order, against a fresh `npm start` in a temporary
 * DATA_DIR, on a port this test picks.
 */
const root = new URL('../..', import.meta.url).pathname;
let dataDir: string;
let port: number;
let runtime: ChildProcess | undefined;
let runtimeOutput = '';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: found } = server.address() as { port: number };
      server.close(() => resolve(found));
    });
    server.once('error', reject);
  });

const shellEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The Node this test runs on, first: `npm start` and `npm run admin` need Node 24.
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    DATA_DIR: dataDir,
    PORT: String(port),
  };
  // Whatever a runtime in this process set would point the children elsewhere.
  for (const name of ['TABLE_NAME', 'BUCKET_NAME', 'DYNAMODB_ENDPOINT', 'S3_ENDPOINT', 'PUBLIC_BASE_URL'])
    delete env[name];
  return env;
};

/** The fenced `sh` blocks of the README section with this heading, in order. */
const quickStartBlocks = (readme: string, heading: string): string[] => {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no "## ${heading}" section`);
  const next = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'imgpro-readme-'));
  port = await freePort();
  runtime = spawn('npm', ['start'], {
    cwd: root,
    env: shellEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  runtime.stdout?.on('data', (chunk: Buffer) => {
    runtimeOutput += chunk.toString();
  });
  runtime.stderr?.on('data', (chunk: Buffer) => {
    runtimeOutput += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (runtimeOutput.includes('Press Ctrl-C to stop.')) resolve();
    };
    runtime?.stdout?.on('data', check);
    runtime?.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${runtimeOutput}`)));
  });
}, 180_000);

afterAll(async () => {
  if (runtime?.pid && runtime.exitCode === null) {
    const exited = once(runtime, 'exit');
    process.kill(-runtime.pid, 'SIGTERM');
    await exited;
  }
  await rm(dataDir, { recursive: true, force: true });
});

describe('the README quick start', () => {
  it('runs as written, and the image it opened stays visible', { timeout: 240_000 }, async () => {
    expect(runtimeOutput).toContain(`http://localhost:${port}/v1`);
    // The banner gives the two commands that make a key, as the README does.
    expect(runtimeOutput).toContain('team create --name demo --field team_id');
    expect(runtimeOutput).toContain('key create --team "$TEAM" --field key');

    const blocks = quickStartBlocks(await readFile(join(root, 'README.md'), 'utf8'), 'Try it locally');
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const script = [
      'set -euo pipefail',
      ...blocks,
      'printf "\\nQUICKSTART ID=%s IMPORTED=%s\\n" "$ID" "$IMPORTED"',
    ].join('\n');
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve) => {
        execFile(
          'bash',
          ['-c', script],
          { cwd: root, env: shellEnv(), timeout: 200_000 },
          (error, out, err) =>
            resolve({ code: error ? Number(error.code ?? 1) : 0, stdout: out, stderr: err }),
        );
      },
    );
    expect(code, `${stderr}\n${stdout}`).toBe(0);
    expect(stderr).toBe('');

    const [, id, imported] = /QUICKSTART ID=(\w{14}) IMPORTED=(\w{14})/.exec(stdout) ?? [];
    expect(id, stdout).toBeDefined();
    expect(imported).toBeDefined();
    const api = `http://localhost:${port}`;
    // The upload printed its answer; the PATCH changed the caption and left the image public.
    expect(stdout).toContain(`"link":"${api}/${id}"`);
    expect(stdout).toContain('"caption":"Updated"');
    expect(stdout).toContain(`"not_found":[]`);
    const link = await fetch(`${api}/${id}`);
    expect(link.status).toBe(200);
    expect(link.headers.get('content-type')).toBe('image/jpeg');
    expect((await fetch(`${api}/${imported}`)).status).toBe(404);

    // Not a terminal: one JSON line per request, and no SDK warnings.
    expect(runtimeOutput).toMatch(/"message":"request".*"method":"POST","path":"\/v1\/upload","status":201/);
    expect(runtimeOutput).not.toContain('WARN');
    expect(runtimeOutput).not.toContain('requestTimeout');
  });
});
