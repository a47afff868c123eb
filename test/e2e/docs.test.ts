import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '#core/http/openapi';
import { PARAMETERS } from '#core/images/parameters';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

/**
 * What an integrator reads first: /docs (Scalar, served by the API, driven in Debian's headless
 * Chromium), /llms.txt, and /openapi.json readable from any origin. The expectations come from the
 * document and the viewer's parameter table, not from lists written here.
 */
let runtime: TestRuntime;
let browser: Browser;

const document = openApiDocument();
const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
  Object.entries(item ?? {}).flatMap(([method, operation]) =>
    typeof operation === 'object' && operation !== null && 'operationId' in operation
      ? [{ path, method, id: String(operation.operationId), summary: String(operation.summary) }]
      : [],
  ),
);

beforeAll(async () => {
  runtime = await startTestRuntime();
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
});
afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

describe('/openapi.json', () => {
  it('may be read from any origin', async () => {
    const response = await fetch(`${runtime.url}/openapi.json`, {
      headers: { origin: 'https://elsewhere.test' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('/llms.txt', () => {
  it('names every operation of the document and every viewer parameter, with what it does', async () => {
    const response = await fetch(`${runtime.url}/llms.txt`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await response.text();
    expect(text.startsWith('# imgpro API\n')).toBe(true);
    expect(operations.length).toBeGreaterThan(10);
    for (const { path, method, id, summary } of operations) {
      expect(text).toContain(`### ${id}: ${method.toUpperCase()} ${path}`);
      expect(text).toContain(summary);
    }
    const parameters = Object.keys(PARAMETERS);
    expect(parameters.length).toBeGreaterThan(10);
    for (const name of parameters) expect(text).toMatch(new RegExp(`^- \`${name}\`: \\S`, 'm'));
    // The error body's fields, from the document's Error schema.
    for (const field of ['error', 'message', 'action', 'request_id'])
      expect(text).toMatch(new RegExp(`^- ${field}`, 'm'));
  });
});

describe('/docs', () => {
  it('is a page that loads only from the API', async () => {
    const response = await fetch(`${runtime.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    const script = await fetch(`${runtime.url}/docs/scalar.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=86400');
    // fetch asks for gzip and decompresses: the bytes are Scalar's build.
    expect(script.headers.get('content-encoding')).toBe('gzip');
    expect(await script.text()).toContain('@scalar/api-reference');
  });

  it('renders every operation and sends a request with the key typed into the page', async () => {
    const { key } = await runtime.newKey();
    const page = await browser.newPage();
    const requested: { url: string; authorization: string | undefined }[] = [];
    page.on('request', (request) =>
      requested.push({ url: request.url(), authorization: request.headers().authorization }),
    );
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    try {
      await page.goto(`${runtime.url}/docs`);
      const sidebar = page.locator('aside, nav').first();
      await expect
        .poll(async () => (await sidebar.textContent()) ?? '', { timeout: 30_000 })
        .toContain(operations[0]?.summary);
      const shown = (await page.locator('body').textContent()) ?? '';
      for (const { summary } of operations) expect(shown).toContain(summary);
      page.setDefaultTimeout(20_000);

      // The key goes into the page's authentication form; then GET /v1/usage is tried from its section.
      await page.getByPlaceholder('Token').first().fill(key);
      const usage = operations.find((operation) => operation.id === 'getUsage');
      await sidebar.getByText(usage?.summary ?? 'getUsage').click();
      await page.locator('button', { hasText: 'get /v1/usage' }).click();
      await page.getByRole('button', { name: /^Send Request/ }).click();
      await expect
        .poll(async () => (await page.locator('body').textContent()) ?? '', { timeout: 20_000 })
        .toContain('"uploads_remaining"');
      expect(requested.filter((request) => request.url === `${runtime.url}/v1/usage`)).toEqual([
        { url: `${runtime.url}/v1/usage`, authorization: `Bearer ${key}` },
      ]);
    } finally {
      await page.close();
    }
    expect(violations).toEqual([]);
    // Nothing from anywhere else, and the key in no URL.
    expect(new Set(requested.map((request) => new URL(request.url).origin))).toEqual(new Set([runtime.url]));
    expect(requested.filter((request) => request.url.includes(key))).toEqual([]);
  }, 120_000);
});
