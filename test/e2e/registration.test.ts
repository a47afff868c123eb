import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '#test/fixtures';
import { json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

/** Self-service keys: POST /v1/keys, opt-in by the operator, limited per email and per address. */
// One runtime per file: the handlers run in this process and read its configuration once.
let open: TestRuntime;

beforeAll(async () => {
  open = await startTestRuntime({ REGISTRATION_EMAIL_DOMAINS: 'example.com, example.org' });
});
afterAll(() => open?.stop());

const register = (runtime: TestRuntime, body: unknown, from?: string): Promise<Response> => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  if (!from) {
    return fetch(`${runtime.url}/v1/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: text,
    });
  }
  // From another loopback address (fetch cannot choose one): the runtime sees another client.
  return new Promise((resolve, reject) => {
    const sent = request(
      `${runtime.url.replace('localhost', '127.0.0.1')}/v1/keys`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, localAddress: from },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () =>
          resolve(
            new Response(Buffer.concat(chunks), {
              status: answer.statusCode ?? 0,
              headers: answer.headers as Record<string, string>,
            }),
          ),
        );
        answer.on('error', reject);
      },
    );
    sent.on('error', reject);
    sent.end(text);
  });
};

const teamCount = async (runtime: TestRuntime) =>
  (await runtime.items()).filter((item) => item.sk === 'TEAM').length;

let emails = 0;
const freshEmail = (domain = 'example.com') => `person${emails++}.${Date.now()}@${domain}`;

describe('POST /v1/keys', () => {
  it('makes a team on the free plan and a key that works at once', async () => {
    const email = freshEmail();
    const response = await register(open, { email: `  ${email.toUpperCase()} `, name: 'My project' });
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = await json(response);
    expect(body).toMatchObject({ email, name: 'My project', plan: 'free' });
    expect(String(body.key)).toMatch(/^imgpro_/);
    expect(await open.admin.showTeam(String(body.team_id))).toMatchObject({
      name: 'My project',
      plan: 'free',
    });

    const uploaded = await upload(open.url, { file: await jpeg(), key: String(body.key) });
    expect(uploaded.status).toBe(201);
    expect((await json(uploaded)).upgrade).toBeUndefined();
  });

  it('lets exactly 5 of 10 parallel registrations of one email through, then says when to retry', async () => {
    const email = freshEmail();
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, index) => register(open, { email, name: `try ${index}` })),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429, 429, 429]);
    const refused = responses.find((response) => response.status === 429) as Response;
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3_600);
    expect(await json(refused)).toMatchObject({
      error: 'rate_limited',
      action: { type: 'wait', seconds: retryAfter },
    });
    // The same email in another case is the same email.
    expect((await register(open, { email: email.toUpperCase(), name: 'again' })).status).toBe(429);
  });

  it('lets one address make at most 20 keys an hour, whatever the emails', async () => {
    const before = await teamCount(open);
    const emails = Array.from({ length: 24 }, () => freshEmail());
    const responses = await Promise.all(
      emails.map((email) => register(open, { email, name: 'many' }, '127.0.0.9')),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(20);
    expect(statuses.filter((status) => status === 429)).toHaveLength(4);
    expect(await teamCount(open)).toBe(before + 20);
    // A refused address gives the email's place back: those emails can still register elsewhere.
    const refusedEmail = emails[statuses.indexOf(429)] as string;
    expect((await register(open, { email: refusedEmail, name: 'later' })).status).toBe(201);
  });

  it('refuses emails outside the allowed domains, and bad input, with a 4xx naming the field', async () => {
    const outside = await register(open, { email: freshEmail('example.net'), name: 'x' });
    expect(outside.status).toBe(422);
    expect(await json(outside)).toMatchObject({
      error: 'validation_error',
      errors: { email: [expect.stringContaining('example.com, example.org')] },
    });
    expect((await register(open, { email: freshEmail('example.org'), name: 'y' })).status).toBe(201);
    const teamsBefore = await teamCount(open);

    const cases: [unknown, string[]][] = [
      [{ email: 'not an email', name: 'x' }, ['email']],
      [{ email: 'a@b@example.com', name: 'x' }, ['email']],
      [{ email: `${'a'.repeat(250)}@example.com`, name: 'x' }, ['email']],
      [{ email: 42, name: ['x'] }, ['email', 'name']],
      [{ email: freshEmail(), name: '   ' }, ['name']],
      [{ email: freshEmail(), name: 'x'.repeat(101) }, ['name']],
      [{ email: freshEmail(), name: 'x', plan: 'max' }, ['body']],
      [{}, ['email', 'name']],
      [[], ['body']],
      [null, ['body']],
    ];
    for (const [body, fields] of cases) {
      const response = await register(open, body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      const answer = await json(response);
      expect(answer.error).toBe('validation_error');
      expect(Object.keys(answer.errors as object).sort()).toEqual(fields);
    }
    expect((await register(open, '{"email":')).status).toBe(422);
    const huge = await register(open, { email: freshEmail(), name: 'x'.repeat(2_000_000) });
    expect(huge.status).toBe(413);
    expect(await json(huge)).toMatchObject({ error: 'payload_too_large' });
    // None of it made a team.
    expect(await teamCount(open)).toBe(teamsBefore);
  });

  it('is where an anonymous upload sends people for a key', async () => {
    const file = await jpeg();
    const openBody = await json(await upload(open.url, { file }));
    expect(openBody.upgrade).toMatchObject({ type: 'register', url: `${open.url}/v1/keys` });
    const page = await fetch(`${open.url}/upgrade`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`${open.url}/v1/keys`);
  });
});
