import exifReader from 'exif-reader';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg, png } from '#test/fixtures';
import { json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

let runtime: TestRuntime;
let key: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  ({ key } = await runtime.newKey());
});
afterAll(() => runtime?.stop());

describe('the viewer link', () => {
  it('serves the stored image with its content type', async () => {
    const file = await png(33, 22);
    const created = await json(await upload(runtime.url, { file, key }));
    const response = await fetch(created.link as string);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await response.arrayBuffer()).equals(file)).toBe(true);
  });

  it('strips GPS and device EXIF but keeps copyright', async () => {
    const file = await jpeg(40, 30, {
      exif: {
        IFD0: { Copyright: 'Jane Doe 2026', Artist: 'Jane Doe', Make: 'PhoneCo', Model: 'Phone 9' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' },
      },
    });
    const original = exifReader((await sharp(file).metadata()).exif as Buffer);
    expect(original.Image?.Make).toBe('PhoneCo');
    expect(original.GPSInfo?.GPSLatitudeRef).toBe('N');

    const created = await json(await upload(runtime.url, { file, key }));
    const served = Buffer.from(await (await fetch(created.link as string)).arrayBuffer());
    const metadata = await sharp(served).metadata();
    expect(metadata.format).toBe('jpeg');
    const exif = exifReader(metadata.exif as Buffer);
    expect(exif.Image?.Copyright).toBe('Jane Doe 2026');
    expect(exif.Image?.Artist).toBe('Jane Doe');
    expect(exif.Image?.Make).toBeUndefined();
    expect(exif.Image?.Model).toBeUndefined();
    expect(exif.GPSInfo).toBeUndefined();
  });

  it('answers 404 for unknown and private media', async () => {
    const hidden = await json(
      await upload(runtime.url, { file: await jpeg(), key, fields: { public: 'false' } }),
    );
    for (const path of ['/AAAAAAAAAAAAAA', `/${hidden.id}`, '/not-an-id', '/']) {
      const response = await fetch(`${runtime.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(await json(response)).toMatchObject({ error: 'not_found' });
    }
  });

  it('serves SVG only with a sandboxing policy', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>',
    );
    const created = await json(await upload(runtime.url, { file: svg, key }));
    const response = await fetch(created.link as string);
    expect(response.headers.get('content-type')).toBe('image/svg+xml');
    expect(response.headers.get('content-security-policy')).toContain('sandbox');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});
