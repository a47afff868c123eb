import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { png } from '#test/fixtures';
import { json } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';
import { type RecordingServer, startRecordingServer } from '#test/servers';

/** With the default policy, an import can reach nothing on this machine or its networks. */
let runtime: TestRuntime;
let internal: RecordingServer;

beforeAll(async () => {
  const image = await png();
  internal = await startRecordingServer((_, response) => {
    response.writeHead(200, { 'content-type': 'image/png' }).end(image);
  });
  runtime = await startTestRuntime({ IMPORT_ALLOWED_PORTS: '*' });
});
afterAll(async () => {
  await runtime?.stop();
  await internal?.close();
});

describe('POST /v1/import with the default address policy', () => {
  it.each([
    ['loopback', () => `http://127.0.0.1:${internal.port}/x.png`],
    ['decimal loopback', () => `http://2130706433:${internal.port}/x.png`],
    ['mapped loopback', () => `http://[::ffff:127.0.0.1]:${internal.port}/x.png`],
    ['IPv4-compatible loopback', () => `http://[::7f00:1]:${internal.port}/x.png`],
    ['localhost', () => `http://localhost:${internal.port}/x.png`],
    ['the local API itself', () => `${runtime.url}/openapi.json`],
    ['instance metadata', () => 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'],
  ])('refuses %s with 422 and never connects', async (_, url) => {
    const before = internal.connections();
    const response = await fetch(`${runtime.url}/v1/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: url() }),
    });
    const body = await json(response);
    expect(response.status).toBe(422);
    expect(body).toMatchObject({ error: 'validation_error', errors: { url: [expect.any(String)] } });
    expect(internal.connections()).toBe(before);
    expect(await runtime.mediaItems()).toEqual([]);
    expect((await runtime.items()).filter((item) => String(item.pk).startsWith('RATE#'))).toEqual([]);
  });
});
