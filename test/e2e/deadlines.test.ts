import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '#test/fixtures';
import { json } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';
import { type RecordingServer, startRecordingServer } from '#test/servers';

/**
 * Requests work against the function's remaining time, not fixed timeouts of their own. The
 * handlers here are told they have 10 s (a function timeout of 10 s), while imports keep the
 * default 30 s limit: the import must give up in time to answer the contract's 504, and nothing
 * may be stored after that answer.
 */
const FUNCTION_TIMEOUT_SECONDS = 10;
let runtime: TestRuntime;
let origin: RecordingServer;
let photo: Buffer;

beforeAll(async () => {
  photo = await jpeg(48, 32);
  origin = await startRecordingServer((request, response) => {
    // /silent never answers; /late answers with a good image after the import must have given up.
    if (request.url === '/late')
      setTimeout(() => response.writeHead(200, { 'content-type': 'image/jpeg' }).end(photo), 7000);
  });
  runtime = await startTestRuntime(
    { IMPORT_ALLOW_PRIVATE_NETWORKS: 'true', IMPORT_ALLOWED_PORTS: '*' },
    { functionTimeoutSeconds: FUNCTION_TIMEOUT_SECONDS },
  );
});
afterAll(async () => {
  await runtime?.stop();
  await origin?.close();
});

const importUrl = (url: string, key: string) =>
  fetch(`${runtime.url}/v1/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ url }),
  });

describe('POST /v1/import against its deadline', () => {
  it.each([['/silent'], ['/late']])(
    'answers 504 fetch_failed before the function times out for %s, and stores nothing after',
    async (path) => {
      const { key, teamId } = await runtime.newKey();
      const team = await runtime.admin.showTeam(teamId);
      const started = performance.now();
      const response = await importUrl(`${origin.url}${path}`, key);
      const elapsedMs = performance.now() - started;
      expect({ status: response.status, body: await json(response) }).toMatchObject({
        status: 504,
        body: { error: 'fetch_failed' },
      });
      expect(elapsedMs).toBeLessThan(FUNCTION_TIMEOUT_SECONDS * 1000);
      // Past the moment /late answers: an import still running would have stored it by now.
      await sleep(Math.max(0, 8000 - elapsedMs));
      expect(await runtime.mediaItems()).toEqual([]);
      expect(await runtime.objectKeys()).toEqual([]);
      expect(await runtime.admin.showTeam(teamId)).toEqual(team);
    },
    20_000,
  );
});
