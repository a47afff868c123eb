import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '#test/fixtures';
import { json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

/** A deployment that keeps registration closed (the default on AWS). */
let closed: TestRuntime;

beforeAll(async () => {
  closed = await startTestRuntime({ REGISTRATION: 'closed', OPERATOR_CONTACT: 'ops@example.net' });
});
afterAll(() => closed?.stop());

const register = (body: string) =>
  fetch(`${closed.url}/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('POST /v1/keys while registration is closed', () => {
  it('answers 403 registration_closed with the operator contact, whatever the body', async () => {
    for (const body of [JSON.stringify({ email: 'a@example.com', name: 'x' }), 'garbage', '']) {
      const response = await register(body);
      expect(response.status).toBe(403);
      expect(await json(response)).toMatchObject({
        error: 'registration_closed',
        action: {
          type: 'contact',
          url: 'mailto:ops@example.net',
          label: expect.stringContaining('ops@example.net'),
        },
      });
    }
    expect((await closed.items()).filter((item) => item.sk === 'TEAM')).toHaveLength(0);
  });

  it('sends anonymous uploaders to the upgrade page, which says how to reach the operator', async () => {
    const body = await json(await upload(closed.url, { file: await jpeg() }));
    expect(body.upgrade).toMatchObject({ type: 'register', url: `${closed.url}/upgrade` });
    const page = await fetch(`${closed.url}/upgrade`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('mailto:ops@example.net');
    expect(html).not.toContain('/v1/keys');
  });
});
