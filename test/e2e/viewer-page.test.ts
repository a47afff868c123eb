import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '#test/fixtures';
import { json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

/** The page a person opens at a link: what the image is, whose, and where to get it. */
let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime({ SITE_NAME: 'Pictures & <Co>' });
});
afterAll(() => runtime?.stop());

const page = async (link: string) => {
  const response = await fetch(link, { headers: { accept: 'text/html' } });
  expect(response.status).toBe(200);
  return { html: await response.text(), csp: response.headers.get('content-security-policy') };
};

describe('the viewer page', () => {
  it('shows the caption and attribution, escaped, the site name, and links to the image and its original', async () => {
    const { key } = await runtime.newKey();
    const created = await json(
      await upload(runtime.url, {
        file: await jpeg(64, 48),
        key,
        fields: {
          caption: 'Dusk <script>alert(1)</script> & "friends"',
          author: 'Jane <b>Doe</b>',
          license: 'CC BY 4.0',
          source: 'javascript:alert(1)',
        },
      }),
    );
    const { html, csp } = await page(String(created.link));
    expect(csp).toBe(
      "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
    );
    expect(html).toContain('<meta property="og:site_name" content="Pictures &amp; &lt;Co&gt;">');
    expect(html).toContain('<meta name="author" content="Jane &lt;b&gt;Doe&lt;/b&gt;">');
    expect(html).toContain('<div>Dusk &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;friends&quot;</div>');
    expect(html).toContain('<dt>author</dt><dd>Jane &lt;b&gt;Doe&lt;/b&gt;</dd>');
    expect(html).toContain('<dt>license</dt><dd>CC BY 4.0</dd>');
    // Attribution is text, never a link.
    expect(html).toContain('<dd>javascript:alert(1)</dd>');
    expect(html).not.toContain('href="javascript');
    expect(html).not.toMatch(/<script|<b>/);
    expect(html).toContain(`<a href="/${created.id}.jpeg">Original (JPEG)</a>`);
    expect(html).toContain('Pictures &amp; &lt;Co&gt;');
    // Phone and desktop alike: the viewport is the device's, the image never wider than it.
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toMatch(/img\{[^}]*max-width:100%/);

    const imageLink = /<a href="([^"]+)">Image<\/a>/.exec(html)?.[1] ?? '';
    const image = await fetch(`${runtime.url}${imageLink}`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    const original = await fetch(`${runtime.url}/${created.id}.jpeg`);
    expect(original.status).toBe(200);
  });

  it('without caption or attribution, shows the image and its links only', async () => {
    const created = await json(await upload(runtime.url, { file: await jpeg(32, 32) }));
    const { html } = await page(String(created.link));
    expect(html).not.toContain('<figcaption>');
    expect(html).toContain('<title>Image</title>');
    expect(html).toContain('Original (JPEG)');
  });
});
