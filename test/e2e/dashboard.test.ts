import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, chromium, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jpeg, png, textured } from '#test/fixtures';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

/**
 * The dashboard (/dashboard) in Debian's headless Chromium against the local runtime: sign-in,
 * uploads with progress (one over 4 MiB, through a direct upload), browse and filter, edit, batch
 * delete, the playground's link and usage. Each step checks the API's own state, not only the
 * page. Screenshots at desktop and phone widths go to test-results/dashboard/ (ignored by git).
 */
let runtime: TestRuntime;
let browser: Browser;
/** axe-core's browser build, evaluated in a page to audit it. */
let axe: string;
const shots = join(import.meta.dirname, '../../test-results/dashboard');
const files = join(import.meta.dirname, '../../test-results/dashboard-files');

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

beforeAll(async () => {
  // The pro plan is small here, so a test can use it up and be offered the next one.
  runtime = await startTestRuntime({ PLANS: JSON.stringify({ pro: { uploadsPerMonth: 2 } }) });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
  await mkdir(shots, { recursive: true });
  await mkdir(files, { recursive: true });
  axe = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
});
afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

/**
 * Runs `use` on a fresh page that records every request and every CSP complaint, closes it, and
 * fails on any complaint; answers every URL the page requested.
 */
const onPage = async (
  viewport: { width: number; height: number },
  use: (page: Page, requested: string[]) => Promise<void>,
): Promise<string[]> => {
  const page = await browser.newPage({ viewport });
  page.setDefaultTimeout(30_000);
  const requested: string[] = [];
  const violations: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  page.on('dialog', (dialog) => void dialog.accept());
  try {
    await use(page, requested);
  } finally {
    await page.close();
  }
  expect(violations).toEqual([]);
  return requested;
};

const signIn = async (page: Page, key: string) => {
  await page.goto(`${runtime.url}/dashboard`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Library' }).waitFor();
};

/** The caller's media as the API lists them. */
const listed = async (key: string) => {
  const response = await fetch(`${runtime.url}/v1/media?limit=100`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return ((await response.json()) as { data: { id: string; caption: string | null }[] }).data;
};

const upload = async (key: string, caption: string, attribution: Record<string, string> = {}) => {
  const form = new FormData();
  form.append('file', new File([new Uint8Array(await jpeg(120, 80))], 'seed.jpg'));
  form.append('caption', caption);
  for (const [name, value] of Object.entries(attribution)) form.append(name, value);
  const response = await fetch(`${runtime.url}/v1/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    body: form,
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
};

describe('/dashboard', () => {
  it('is served with a strict CSP and loads nothing from elsewhere', async () => {
    const response = await fetch(`${runtime.url}/dashboard`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    // Scripts only from files: none inline.
    expect(await response.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const script = await fetch(`${runtime.url}/dashboard/app.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${runtime.url}/dashboard/nope.js`)).status).toBe(404);
  });

  it('refuses a wrong key in the API words and keeps a right one out of every URL', async () => {
    const { key } = await runtime.newKey();
    const requested = await onPage(DESKTOP, async (page) => {
      await page.goto(`${runtime.url}/dashboard`);
      await page.getByLabel('API key').fill('imgpro_wrong');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.locator('#sign-in-error').textContent()).toMatch(/\S/);
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
      await page.screenshot({ path: join(shots, 'sign-in-desktop.png') });

      await page.getByLabel('API key').fill(key);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Library' }).waitFor();
      expect(await page.evaluate(() => sessionStorage.getItem('imgpro.apiKey'))).toBe(key);
      // A reload keeps the session (same tab).
      await page.reload();
      await page.getByRole('heading', { name: 'Library' }).waitFor();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('API key').waitFor();
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    });
    expect(requested.filter((url) => url.includes(key))).toEqual([]);
    expect(new Set(requested.map((url) => new URL(url).origin))).toEqual(new Set([runtime.url]));
  }, 120_000);

  it('registers for a key where the operator opened registration, shows it once and signs in with it', async () => {
    await onPage(PHONE, async (page, requested) => {
      await page.goto(`${runtime.url}/dashboard`);
      // An address the browser takes but the API refuses (longer than an address may be): its words.
      await page.getByLabel('Email').fill(`${'a'.repeat(250)}@example.com`);
      await page.getByLabel('Team name').fill('Dashboard team');
      await page.getByRole('button', { name: 'Get a key' }).click();
      await expect
        .poll(() => page.locator('#register-error').textContent())
        .toBe('The email must be at most 254 characters.');

      await page.getByLabel('Email').fill('dash@example.com');
      await page.getByRole('button', { name: 'Get a key' }).click();
      await page.getByRole('heading', { name: 'Library' }).waitFor();
      const key = await page.getByLabel('Your key').inputValue();
      expect(key).toMatch(/^imgpro_/);
      expect(await page.evaluate(() => sessionStorage.getItem('imgpro.apiKey'))).toBe(key);
      // The key works against the API itself, on the free plan.
      const usage = await fetch(`${runtime.url}/v1/usage`, { headers: { authorization: `Bearer ${key}` } });
      expect(((await usage.json()) as { plan: string }).plan).toBe('free');
      await page.screenshot({ path: join(shots, 'registered-phone.png'), fullPage: true });
      expect(requested.filter((url) => url.includes(key))).toEqual([]);
    });
  }, 120_000);

  it('uploads several files with progress, a large one directly, and shows a refusal in the API words', async () => {
    const { key } = await runtime.newKey();
    const small = join(files, 'small.jpg');
    const other = join(files, 'other.png');
    const large = join(files, 'large.png');
    const broken = join(files, 'broken.jpg');
    await writeFile(small, await jpeg(200, 150));
    await writeFile(other, await png(90, 60));
    // Uncompressed grain: over 4 MiB, so it goes through POST /v1/uploads and the presigned POST.
    const largeBytes = await textured(1400, 1100).png({ compressionLevel: 0 }).toBuffer();
    expect(largeBytes.length).toBeGreaterThan(4 * 1024 * 1024);
    await writeFile(large, largeBytes);
    await writeFile(broken, Buffer.from('not an image at all'));
    await onPage(DESKTOP, async (page, requested) => {
      await signIn(page, key);
      // A slow link (2 MB/s up), so the bars have something to show between start and end.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 20,
        downloadThroughput: -1,
        uploadThroughput: 2 * 1024 * 1024,
      });
      // Every progress value the bars report, as they change.
      // Every progress value the bars report, as they change (page code as text: this file has no DOM types).
      await page.evaluate(`
        window.progress = {};
        new MutationObserver((records) => {
          for (const { target: bar } of records) {
            if (bar.tagName !== 'PROGRESS') continue;
            const name = bar.getAttribute('aria-label');
            (window.progress[name] = window.progress[name] || []).push(bar.value / bar.max);
          }
        }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['value', 'max'] });
      `);
      await page.getByLabel('Choose images, or drop them here').setInputFiles([small, other, large, broken]);
      const rows = page.locator('#uploads li');
      await expect.poll(() => rows.count()).toBe(4);
      await expect
        .poll(() => page.locator('#uploads li.done, #uploads li.failed').count(), { timeout: 60_000 })
        .toBe(4);
      expect(await page.locator('#uploads li.done').count()).toBe(3);
      const failed = page.locator('#uploads li.failed');
      expect(await failed.locator('.name').textContent()).toBe('broken.jpg');
      const refusal = await fetch(`${runtime.url}/v1/upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        body: (() => {
          const form = new FormData();
          form.append('file', new File([Buffer.from('not an image at all')], 'broken.jpg'));
          return form;
        })(),
      });
      const { message } = (await refusal.json()) as { message: string };
      expect(await failed.locator('.status').textContent()).toBe(message);
      const progress = (await page.evaluate('window.progress')) as Record<string, number[]>;
      const largeProgress = progress['Upload of large.png'] ?? [];
      expect(largeProgress.at(-1)).toBe(1);
      expect(largeProgress.some((value) => value > 0 && value < 1)).toBe(true);
      // The uploads are in the grid, newest first, and in the API.
      const stored = await listed(key);
      expect(stored).toHaveLength(3);
      expect(await page.locator('#grid li').count()).toBe(3);
      expect(requested.some((url) => url === `${runtime.url}/v1/uploads`)).toBe(true);
      // Only the large file went to storage, by the presigned POST (the bucket's URL).
      expect(requested.filter((url) => !url.startsWith(runtime.url))).toEqual([
        `${inject('s3Endpoint')}/${runtime.bucketName}`,
      ]);
      await page.screenshot({ path: join(shots, 'upload-desktop.png'), fullPage: true });

      // Dropped on the drop zone, a file is uploaded the same way.
      const dropped = (await jpeg(30, 20)).toString('base64');
      const transfer = await page.evaluateHandle(`(() => {
        const transfer = new DataTransfer();
        const bytes = Uint8Array.from(atob('${dropped}'), (char) => char.charCodeAt(0));
        transfer.items.add(new File([bytes], 'dropped.jpg', { type: 'image/jpeg' }));
        return transfer;
      })()`);
      await page.dispatchEvent('#drop', 'dragover', { dataTransfer: transfer });
      expect(await page.locator('#drop.over').count()).toBe(1);
      await page.dispatchEvent('#drop', 'drop', { dataTransfer: transfer });
      await expect.poll(() => page.locator('#uploads li.done').count()).toBe(4);
      expect(await page.locator('#uploads li.done .name').last().textContent()).toBe('dropped.jpg');
      expect(await page.locator('#drop.over').count()).toBe(0);
      expect(await listed(key)).toHaveLength(4);
    });
  }, 180_000);

  it('browses newest first on the cursor, filters by caption and metadata, edits one image and batch deletes', async () => {
    const { key } = await runtime.newKey();
    const ids: string[] = [];
    // More than a page (24), so the rest comes by scrolling. Every third is Jane's, every fifth CC.
    for (let index = 0; index < 27; index++)
      ids.push(
        await upload(key, index % 2 ? `cat ${index}` : `dog ${index}`, {
          ...(index % 3 === 0 && { author: 'Jane Doe' }),
          ...(index % 5 === 0 && { license: 'cc-by-4.0' }),
        }),
      );
    const where = (keep: (index: number) => boolean) => ids.filter((_, index) => keep(index)).sort();
    await onPage(DESKTOP, async (page) => {
      const shown = async () =>
        (
          await page
            .locator('#grid li:visible')
            .evaluateAll((all) => all.map((card) => card.getAttribute('data-id')))
        ).sort();
      await signIn(page, key);
      const cards = page.locator('#grid li');
      // One page (24) until the end of the grid scrolls into view.
      await expect.poll(() => cards.count()).toBe(24);
      await page.waitForTimeout(500);
      expect(await cards.count()).toBe(24);
      expect(await cards.first().getAttribute('data-id')).toBe(ids.at(-1));
      // A placeholder colour behind each thumbnail while it loads.
      const newest = (await (
        await fetch(`${runtime.url}/v1/media/${ids.at(-1)}`, { headers: { authorization: `Bearer ${key}` } })
      ).json()) as { placeholder: { dominant_color: string } };
      const hex = newest.placeholder.dominant_color;
      const rgb = [1, 3, 5].map((at) => Number.parseInt(hex.slice(at, at + 2), 16)).join(', ');
      const style = (await cards.first().locator('.thumb').getAttribute('style')) ?? '';
      expect(style).toContain(`background-color: rgb(${rgb})`);
      expect(style).toContain('background-image: url("data:image/png;base64,');
      await page.locator('#more').scrollIntoViewIfNeeded();
      await expect.poll(() => cards.count()).toBe(27);
      expect(await cards.evaluateAll((all) => all.map((card) => card.getAttribute('data-id')))).toEqual(
        [...ids].reverse(),
      );
      await page.screenshot({ path: join(shots, 'library-desktop.png') });

      const filter = page.getByLabel('Filter by caption or metadata');
      await filter.fill('cat');
      await expect.poll(shown).toEqual(where((index) => index % 2 === 1));
      // The listing carries no attribution: the filter reads it, then matches values and fields.
      await filter.fill('jane');
      await expect.poll(shown).toEqual(where((index) => index % 3 === 0));
      await filter.fill('cat license:cc-by');
      await expect.poll(shown).toEqual(where((index) => index % 2 === 1 && index % 5 === 0));
      expect(await page.locator('#library-status').textContent()).toBe('3 of 27 loaded images shown.');
      await page.screenshot({ path: join(shots, 'filter-desktop.png') });
      await filter.fill('');

      // Edit: caption, public, TTL and attribution (one changed, one removed, one added).
      const target = ids[15] ?? '';
      await page.locator(`#grid li[data-id="${target}"] .thumb`).click();
      const dialog = page.getByRole('dialog');
      await expect.poll(() => dialog.getByLabel('author', { exact: true }).inputValue()).toBe('Jane Doe');
      await dialog.getByLabel('Caption').fill('a renamed cat');
      const anonymous = () => fetch(`${runtime.url}/v1/media/${target}`).then((response) => response.status);
      const before = await anonymous();
      const visibility = dialog.getByRole('checkbox', { name: /Public: anyone/ });
      expect(await visibility.isChecked()).toBe(true);
      await visibility.uncheck();
      await dialog.getByLabel(/TTL in seconds/).fill('86400');
      await dialog.getByLabel('author', { exact: true }).fill('John Roe');
      await dialog.getByRole('button', { name: 'Remove license' }).click();
      await dialog.getByRole('button', { name: 'Add a field' }).click();
      // A name PATCH owns is refused in the browser, in the API's words, and nothing is sent.
      await dialog.getByLabel('New field name').fill('ttl');
      await dialog.getByLabel('Its value').fill('60');
      const patches: string[] = [];
      page.on('request', (request) => {
        if (request.method() === 'PATCH') patches.push(request.url());
      });
      await dialog.getByRole('button', { name: 'Save' }).click();
      await expect
        .poll(() => page.locator('#edit-error').textContent())
        .toBe('"ttl" is a reserved field name.');
      expect(patches).toEqual([]);
      await dialog.getByLabel('New field name').fill('source_url');
      await dialog.getByLabel('Its value').fill('https://example.com/cat');
      await dialog.getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => page.locator('#edit-status').textContent()).toBe('Saved.');
      const edited = (await (
        await fetch(`${runtime.url}/v1/media/${target}`, { headers: { authorization: `Bearer ${key}` } })
      ).json()) as Record<string, unknown>;
      expect(edited).toMatchObject({
        caption: 'a renamed cat',
        public: false,
        author: 'John Roe',
        source_url: 'https://example.com/cat',
      });
      expect(edited).not.toHaveProperty('license');
      expect(edited.expires_at).toBeGreaterThan(Date.now() / 1000 + 86_000);
      // Uploads are public by default; private, its details are no longer readable without a key.
      expect([before, await anonymous()]).toEqual([200, 404]);
      // The form shows the state saved: private now, the fields as stored.
      expect(await visibility.isChecked()).toBe(false);
      expect(await dialog.getByLabel('source_url', { exact: true }).inputValue()).toBe(
        'https://example.com/cat',
      );
      await page.screenshot({ path: join(shots, 'edit-desktop.png') });
      await page.keyboard.press('Escape');
      const editedCard = page.locator(`#grid li[data-id="${target}"]`);
      expect(await editedCard.locator('.caption').textContent()).toBe('a renamed cat');
      expect(await editedCard.locator('.badge').textContent()).toBe('Private');
      // The filter knows the edit without reading it again.
      await filter.fill('author:john');
      await expect.poll(shown).toEqual([target]);
      // A URL is a word, not a field named "https".
      await filter.fill('https://example.com/cat');
      await expect.poll(shown).toEqual([target]);
      await filter.fill('');

      // Batch delete three by keyboard-reachable checkboxes.
      const doomed = ids.slice(0, 3);
      // The batch actions show only while something is selected.
      expect(await page.locator('#batch').isVisible()).toBe(false);
      for (const id of doomed) await page.locator(`#grid li[data-id="${id}"] input[type="checkbox"]`).check();
      expect(await page.locator('#batch').isVisible()).toBe(true);
      expect(await page.locator('#batch-count').textContent()).toBe('3 selected');
      await page.screenshot({ path: join(shots, 'batch-desktop.png') });
      await page.getByRole('button', { name: 'Delete selected' }).click();
      await expect.poll(() => cards.count()).toBe(24);
      const left = (await listed(key)).map((media) => media.id);
      expect(left).toHaveLength(24);
      for (const id of doomed) expect(left).not.toContain(id);
    });
  }, 240_000);

  it('filters by reading each loaded image once, four at a time, paging only when asked', async () => {
    const { key } = await runtime.newKey();
    for (let index = 0; index < 30; index++) await upload(key, `photo ${index}`);
    await onPage(DESKTOP, async (page) => {
      // Reads of one image's details: how many, and the most at once.
      const reads: string[] = [];
      let open = 0;
      let most = 0;
      const isRead = (url: string) => /\/v1\/media\/[0-9A-Za-z]{14}$/.test(url);
      page.on('request', (request) => {
        if (!isRead(request.url())) return;
        reads.push(request.url());
        most = Math.max(most, ++open);
      });
      const finished = (request: Request) => {
        if (isRead(request.url())) open--;
      };
      page.on('requestfinished', finished);
      page.on('requestfailed', finished);
      await signIn(page, key);
      const cards = page.locator('#grid li');
      await expect.poll(() => cards.count()).toBe(24);
      // Nothing matches: the grid empties, and scrolling to its end loads no further page.
      await page.getByLabel('Filter by caption or metadata').fill('author:nobody');
      await expect
        .poll(() => page.locator('#library-status').textContent())
        .toBe('0 of 24 loaded images shown.');
      await page.locator('#more').scrollIntoViewIfNeeded();
      await page.waitForTimeout(500);
      expect(await cards.count()).toBe(24);
      expect(reads).toHaveLength(24);
      expect(new Set(reads).size).toBe(24);
      expect(most).toBeLessThanOrEqual(4);
      // Asked for, the next page comes, and only its images are read.
      await page.getByRole('button', { name: 'Load more' }).click();
      await expect
        .poll(() => page.locator('#library-status').textContent())
        .toBe('0 of 30 loaded images shown.');
      expect(reads).toHaveLength(30);
      // The filter cleared: every image shows, none is read again.
      await page.getByLabel('Filter by caption or metadata').fill('');
      await expect.poll(() => page.locator('#grid li:visible').count()).toBe(30);
      expect(reads).toHaveLength(30);
    });
  }, 120_000);

  it('builds a working transformed link in the playground, with its bytes and dimensions', async () => {
    const { key } = await runtime.newKey();
    const id = await upload(key, 'playground');
    await onPage(DESKTOP, async (page) => {
      await signIn(page, key);
      await page.locator(`#grid li[data-id="${id}"] .thumb`).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Width (w)').fill('60');
      await dialog.getByLabel('Format', { exact: true }).selectOption('png');
      await expect.poll(() => page.locator('#playground-link').inputValue()).toContain('w=60');
      const link = await page.locator('#playground-link').inputValue();
      expect(new URL(link).searchParams.get('format')).toBe('png');
      const image = await fetch(link);
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/png');
      const facts = await fetch(`${link.replace('format=png', 'format=json')}`);
      const { variant } = (await facts.json()) as {
        variant: { width: number; height: number; bytes: number };
      };
      expect(variant.width).toBe(60);
      await expect
        .poll(() => page.locator('#playground-facts').textContent())
        .toContain(`${variant.width} × ${variant.height} px`);
      await expect
        .poll(() =>
          page
            .locator('#playground-preview')
            .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
        )
        .toBe(60);
      await page.screenshot({ path: join(shots, 'playground-desktop.png'), fullPage: true });
    });
  }, 120_000);

  it('shows the usage against the plan, and fits a phone', async () => {
    const { key } = await runtime.newKey();
    await upload(key, 'one');
    await upload(key, 'two');
    const usage = (await (
      await fetch(`${runtime.url}/v1/usage`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as { plan: string; monthly: { uploads: number; uploads_limit: number } };
    expect(usage.monthly.uploads).toBe(2);
    await onPage(PHONE, async (page) => {
      await signIn(page, key);
      await expect.poll(() => page.locator('#usage-plan').textContent()).toBe(usage.plan);
      expect(await page.locator('#usage-uploads-text').textContent()).toContain(
        `2 of ${usage.monthly.uploads_limit}`,
      );
      expect(await page.locator('#usage-uploads').getAttribute('value')).toBe('2');
      // Nothing wider than the phone.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
      await page.screenshot({ path: join(shots, 'library-phone.png'), fullPage: true });
      await page.locator('#grid li .thumb').first().click();
      await page.getByRole('dialog').waitFor();
      await page.screenshot({ path: join(shots, 'detail-phone.png') });
    });
  }, 120_000);

  it('offers the upgrade link the API gives once the plan is used up, on the usage and on a refusal', async () => {
    const { key, teamId } = await runtime.newKey({ plan: 'pro' });
    await upload(key, 'one');
    await upload(key, 'two');
    const refusedFile = join(files, 'refused.jpg');
    await writeFile(refusedFile, await jpeg(40, 30));
    await onPage(DESKTOP, async (page) => {
      await signIn(page, key);
      const offered = page.locator('#usage-body a.action');
      await expect.poll(() => offered.textContent()).toBe('Upgrade to scale');
      const href = new URL((await offered.getAttribute('href')) ?? '');
      expect(Object.fromEntries(href.searchParams)).toMatchObject({ team: teamId, plan: 'scale' });
      expect(await offered.getAttribute('rel')).toBe('noopener noreferrer');
      // The signed link is one the upgrade page takes.
      expect((await fetch(href, { redirect: 'manual' })).status).toBeLessThan(400);

      await page.getByLabel('Choose images, or drop them here').setInputFiles([refusedFile]);
      const failed = page.locator('#uploads li.failed');
      await expect.poll(() => failed.count()).toBe(1);
      expect(await failed.locator('.status').textContent()).toBe(
        'Your monthly upload quota on the pro plan is used up.',
      );
      expect(await failed.locator('a.action').textContent()).toBe('Upgrade to scale');
      expect((await listed(key)).length).toBe(2);
      await page.screenshot({ path: join(shots, 'upgrade-desktop.png'), fullPage: true });
    });
  }, 120_000);

  it('passes an automated accessibility audit and works from the keyboard', async () => {
    const { key } = await runtime.newKey();
    await upload(key, 'keyboard', { author: 'Jane Doe' });
    const audit = async (page: Page, what: string) => {
      // axe-core (WCAG 2.1 A and AA rules: names, labels, contrast, roles, landmarks) evaluated in the
      // page through the debugging protocol, which the page's CSP does not govern.
      await page.evaluate(axe);
      const result = (await page.evaluate(
        `axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] })`,
      )) as { violations: { id: string; nodes: { target: string[] }[] }[] };
      expect(
        result.violations.map((violation) => `${what}: ${violation.id} at ${violation.nodes[0]?.target}`),
      ).toEqual([]);
    };
    for (const viewport of [DESKTOP, PHONE]) {
      await onPage(viewport, async (page) => {
        await page.goto(`${runtime.url}/dashboard`);
        await page.getByLabel('API key').waitFor();
        await audit(page, 'sign-in');
        // Sign in without the mouse: the skip link, then the key field and Enter.
        await page.keyboard.press('Tab');
        expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
        await page.keyboard.press('Tab');
        expect(await page.evaluate('document.activeElement.id')).toBe('api-key');
        await page.keyboard.type(key);
        await page.keyboard.press('Enter');
        await page.locator('#grid li').first().waitFor();
        await expect.poll(() => page.locator('#usage-plan').textContent()).toBe('free');
        await audit(page, 'library');
        // A card opens from the keyboard, the dialog takes focus, Escape gives it back to the card.
        await page.locator('#grid li .thumb').first().focus();
        await page.keyboard.press('Enter');
        await page.getByRole('dialog').waitFor();
        await expect
          .poll(() => page.getByRole('dialog').getByLabel('author', { exact: true }).inputValue())
          .toBe('Jane Doe');
        expect(
          await page.evaluate(`document.getElementById('detail').contains(document.activeElement)`),
        ).toBe(true);
        await audit(page, 'detail');
        await page.keyboard.press('Escape');
        await expect
          .poll(() => page.evaluate(`document.activeElement.classList.contains('thumb')`))
          .toBe(true);
      });
    }
  }, 180_000);
});
