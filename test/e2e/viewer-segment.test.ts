import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

/** `segment=foreground` on the local runtime with no model configured: the classical method. */
let runtime: TestRuntime;
let link: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  const { key } = await runtime.newKey();
  // A red disc on a white backdrop: the product-shot case the classical method is for.
  const disc = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="160"><rect width="200" height="160" fill="#fff"/><circle cx="100" cy="80" r="50" fill="#d01010"/></svg>',
  );
  const photo = await sharp(disc).jpeg({ quality: 92 }).toBuffer();
  link = String((await json(await upload(runtime.url, { file: photo, key }))).link);
});
afterAll(() => runtime?.stop());

const pixelsOf = async (query: string) => {
  const response = await fetch(`${link}?${query}`, { headers: { accept: 'image/*' } });
  expect(response.status).toBe(200);
  const body = Buffer.from(await response.arrayBuffer());
  const { data, info } = await sharp(body).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => [
    ...data.subarray((y * info.width + x) * 4, (y * info.width + x) * 4 + 4),
  ];
  return { type: response.headers.get('content-type'), at, info };
};

describe('segment=foreground', () => {
  it('answers a PNG whose background is transparent and whose subject is opaque', async () => {
    const { type, at, info } = await pixelsOf('segment=foreground');
    expect(type).toBe('image/png');
    expect(info).toMatchObject({ width: 200, height: 160 });
    for (const [x, y] of [
      [0, 0],
      [199, 0],
      [0, 159],
      [199, 159],
    ] as const) {
      expect(at(x, y)[3]).toBe(0);
    }
    expect(at(100, 80)[3]).toBe(255);
    expect(at(100, 80)[0]).toBeGreaterThan(180);
  });

  it('fills the removed area with background=, and with white where the format has no alpha', async () => {
    const green = await pixelsOf('segment=foreground&background=%2300ff00');
    expect(green.at(2, 2)).toEqual([0, 255, 0, 255]);
    const jpeg = await pixelsOf('segment=foreground&format=jpg');
    expect(jpeg.type).toBe('image/jpeg');
    for (const channel of jpeg.at(2, 2).slice(0, 3)) expect(channel).toBeGreaterThan(245);
    expect(jpeg.at(100, 80)[1]).toBeLessThan(60);
  });

  it('ignores other values of segment', async () => {
    const response = await fetch(`${link}?segment=everything`, { headers: { accept: 'image/*' } });
    expect(response.headers.get('content-type')).toBe('image/jpeg');
  });
});
