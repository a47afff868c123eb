import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

/** The admin CLI as an operator and their scripts run it, against a running local runtime. */
let runtime: TestRuntime;
let nowhere: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  nowhere = await mkdtemp(join(tmpdir(), 'imgpro-admin-nowhere-'));
});
afterAll(async () => {
  await runtime?.stop();
  await rm(nowhere, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const admin = (args: string[], dataDir = runtime.dataDir): Promise<Run> =>
  new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
    // What the runtime put in this process's environment would point the CLI elsewhere.
    delete env.TABLE_NAME;
    delete env.BUCKET_NAME;
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bin/admin.ts', ...args],
      { env, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });

/** One line, no stack trace: what an operator can read and a script can log. */
const expectOneLineError = (run: Run, code: number, text: RegExp) => {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stdout).toBe('');
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(text);
  expect(run.stderr).not.toMatch(/\n\s+at /);
};

const usable = async (key: string) =>
  (await fetch(`${runtime.url}/v1/usage`, { headers: authHeaders(key) })).status;

// Each run starts a Node process with tsx: seconds apiece on a busy machine.
describe('admin CLI', { timeout: 180_000 }, () => {
  it('explains itself with --help, everywhere', async () => {
    const help = await admin(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['team list', 'key list', 'key rotate', 'usage --team', 'backfill facts'])
      expect(help.stdout).toContain(command);
    const rotate = await admin(['key', 'rotate', '--help']);
    expect(rotate.code).toBe(0);
    expect(rotate.stdout).toContain('--grace');
    expect((await admin(['key', '--help'])).stdout).toContain('Commands:');
  });

  it('answers a wrong command line with one line and exit code 2', async () => {
    expectOneLineError(await admin([]), 2, /No command given/);
    expectOneLineError(await admin(['team', 'delete']), 2, /Unknown command "team delete".*team create/);
    expectOneLineError(await admin(['team', 'list', '--bogus']), 2, /bogus/);
    expectOneLineError(await admin(['team', 'show']), 2, /--team is required/);
    expectOneLineError(await admin(['key', 'rotate', '--key-id', 'x', '--grace', 'soon']), 2, /--grace/);
    expectOneLineError(await admin(['team', 'list', '--team', 'x']), 2, /takes no --team/);
    expectOneLineError(
      await admin(['team', 'create', '--name', 'x', '--plan', 'gold']),
      2,
      /plan must be one of/,
    );
  });

  it('says the runtime is not running, with exit code 3, and prints nothing a script would take', async () => {
    expectOneLineError(await admin(['team', 'list'], nowhere), 3, /not running.*npm start/);
    // As the README uses it: the variable stays empty instead of holding half a stack trace.
    const field = await admin(['team', 'create', '--name', 'demo', '--field', 'team_id'], nowhere);
    expect(field.stdout).toBe('');
  });

  it('makes, lists and rotates keys, and reports usage', async () => {
    const created = await admin(['team', 'create', '--name', 'cli team', '--field', 'team_id']);
    expect(created.code, created.stderr).toBe(0);
    const team = created.stdout.trim();
    expect(team).toMatch(/^team_/);
    expect(JSON.parse((await admin(['team', 'list'])).stdout).teams).toContainEqual(
      expect.objectContaining({ team_id: team, name: 'cli team', plan: 'free' }),
    );

    const made = JSON.parse((await admin(['key', 'create', '--team', team, '--name', 'laptop'])).stdout);
    expect(await usable(made.key)).toBe(200);
    const listed = JSON.parse((await admin(['key', 'list', '--team', team])).stdout);
    expect(listed.keys).toEqual([
      expect.objectContaining({ key_id: made.key_id, name: 'laptop', active: true }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(made.key);

    // With a grace period both work; the old one stops at its end.
    const graced = JSON.parse(
      (await admin(['key', 'rotate', '--key-id', made.key_id, '--grace', '1h'])).stdout,
    );
    expect(graced.replaces.key_id).toBe(made.key_id);
    expect(graced.replaces.revoked_at - Math.floor(Date.now() / 1000)).toBeGreaterThan(3500);
    expect(await usable(made.key)).toBe(200);
    expect(await usable(graced.key)).toBe(200);
    // Rotated again without grace: the previous one stops at once.
    const rotated = JSON.parse((await admin(['key', 'rotate', '--key-id', graced.key_id])).stdout);
    expect(await usable(graced.key)).toBe(401);
    expect(await usable(rotated.key)).toBe(200);
    expectOneLineError(await admin(['key', 'rotate', '--key-id', graced.key_id]), 2, /already revoked/);
    const after = JSON.parse((await admin(['key', 'list', '--team', team])).stdout).keys;
    expect(after.map((key: { active: boolean }) => key.active)).toEqual([true, false, true]);

    const usage = JSON.parse((await admin(['usage', '--team', team])).stdout);
    expect(usage).toMatchObject({ team_id: team, plan: 'free', uploads: 0, storage_used_bytes: 0 });
    expect(usage.uploads_limit).toBeGreaterThan(0);
  });

  it('answers an unknown team or key with exit code 4', async () => {
    expectOneLineError(await admin(['usage', '--team', 'team_nope']), 4, /No such team/);
    expectOneLineError(await admin(['key', 'rotate', '--key-id', 'nope']), 4, /No such API key/);
    expectOneLineError(await admin(['key', 'list', '--team', 'team_nope']), 4, /No such team/);
  });

  it('still runs the facts backfill', async () => {
    const run = await admin(['backfill', 'facts', '--batch', '10']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ checked: expect.any(Number), failed: 0 });
  });
});
