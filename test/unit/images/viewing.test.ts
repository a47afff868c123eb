import exifReader from 'exif-reader';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ingestImage } from '#core/images/ingest';
import { IMAGE_LIMITS } from '#core/images/limits';
import { prepareForViewing } from '#core/images/viewing';
import { animation, PRIVATE_EXIF, solid, splitImage, tinyHeic } from '#test/fixtures';

const exifOf = async (bytes: Uint8Array) => {
  const { exif } = await sharp(bytes).metadata();
  return exif ? exifReader(exif) : undefined;
};

/** RGB of one pixel, after whatever colour handling sharp applies on decode. */
const pixelAt = async (bytes: Uint8Array, x: number, y: number) => {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * 3;
  return { r: data[at] ?? 0, g: data[at + 1] ?? 0, b: data[at + 2] ?? 0 };
};

const expectOnlyCopyright = async (bytes: Uint8Array) => {
  const exif = await exifOf(bytes);
  expect(exif?.Image).toMatchObject({ Copyright: '(c) Test Owner', Artist: 'Ann Artist' });
  expect(exif?.Image).not.toHaveProperty('Make');
  expect(exif?.Image).not.toHaveProperty('Model');
  expect(exif?.GPSInfo).toBeUndefined();
  expect(exif?.Photo?.BodySerialNumber).toBeUndefined();
};

describe('prepareForViewing (metadata=copyright)', () => {
  it('returns an image without metadata as the very same bytes', async () => {
    const jpeg = await splitImage(60, 40).jpeg().toBuffer();
    const view = await prepareForViewing(jpeg, 'image/jpeg');
    expect(view.body).toBe(jpeg);
    expect(view.contentType).toBe('image/jpeg');
  });

  it('keeps Copyright and Artist in a JPEG and drops GPS, make, model and serial number', async () => {
    const jpeg = await splitImage(60, 40).jpeg({ quality: 95 }).withExif(PRIVATE_EXIF).toBuffer();
    expect((await exifOf(jpeg))?.GPSInfo).toBeDefined();
    const view = await prepareForViewing(jpeg, 'image/jpeg');
    expect(view.contentType).toBe('image/jpeg');
    expect(await sharp(view.body).metadata()).toMatchObject({ format: 'jpeg', width: 60, height: 40 });
    await expectOnlyCopyright(view.body);
  });

  it('is idempotent: an image already reduced to copyright tags is served as the same bytes', async () => {
    const jpeg = await splitImage(60, 40)
      .jpeg()
      .withExif(PRIVATE_EXIF)
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const once = await prepareForViewing(jpeg, 'image/jpeg');
    expect(once.body).not.toBe(jpeg);
    const twice = await prepareForViewing(once.body, 'image/jpeg');
    expect(twice.body).toBe(once.body);
  });

  it('serves a HEIC converted at ingest without a second lossy round trip', async () => {
    const { body } = await ingestImage(await tinyHeic(), {
      ...IMAGE_LIMITS,
      maxPixels: 1_000_000,
      maxSide: 1000,
    });
    expect((await prepareForViewing(body, 'image/jpeg')).body).toBe(body);
  });

  it('drops EXIF entirely when it holds no copyright-type tag', async () => {
    const jpeg = await splitImage(60, 40)
      .jpeg()
      .withExif({ IFD0: { Make: 'ACME' } })
      .toBuffer();
    const view = await prepareForViewing(jpeg, 'image/jpeg');
    expect(view.body).not.toBe(jpeg);
    expect((await sharp(view.body).metadata()).exif).toBeUndefined();
  });

  it('drops XMP, which can carry GPS too', async () => {
    const xmp =
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>';
    const jpeg = await splitImage(60, 40).jpeg().withXmp(xmp).toBuffer();
    expect((await sharp(jpeg).metadata()).xmp).toBeDefined();
    const view = await prepareForViewing(jpeg, 'image/jpeg');
    expect((await sharp(view.body).metadata()).xmp).toBeUndefined();
  });

  it('turns an EXIF orientation 6 image upright, with swapped dimensions and no orientation tag left', async () => {
    // Stored 60×40 sideways; displayed rotated 90° clockwise, so the stored left half ends up on top.
    const jpeg = await splitImage(60, 40).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const view = await prepareForViewing(jpeg, 'image/jpeg');
    const metadata = await sharp(view.body).metadata();
    expect(metadata).toMatchObject({ width: 40, height: 60 });
    expect(metadata.orientation ?? 1).toBe(1);
    const top = await pixelAt(view.body, 20, 5);
    const bottom = await pixelAt(view.body, 20, 55);
    expect(top.r).toBeGreaterThan(top.b + 100);
    expect(bottom.b).toBeGreaterThan(bottom.r + 100);
  });

  it('keeps a 4:4:4 JPEG at 4:4:4', async () => {
    const jpeg = await splitImage(60, 40)
      .jpeg({ chromaSubsampling: '4:4:4' })
      .withExif(PRIVATE_EXIF)
      .toBuffer();
    const view = await prepareForViewing(jpeg, 'image/jpeg');
    expect((await sharp(view.body).metadata()).chromaSubsampling).toBe('4:4:4');
  });

  it('keeps the ICC profile, which is colour rather than metadata', async () => {
    const jpeg = await splitImage(60, 40).jpeg().withIccProfile('p3').withExif(PRIVATE_EXIF).toBuffer();
    const view = await prepareForViewing(jpeg, 'image/jpeg');
    expect((await sharp(view.body).metadata()).icc).toEqual((await sharp(jpeg).metadata()).icc);
  });

  it('strips a PNG losslessly, keeping copyright only', async () => {
    const png = await splitImage(60, 40).png().withExif(PRIVATE_EXIF).toBuffer();
    const view = await prepareForViewing(png, 'image/png');
    expect(view.contentType).toBe('image/png');
    await expectOnlyCopyright(view.body);
    expect(await sharp(view.body).raw().toBuffer()).toEqual(await sharp(png).raw().toBuffer());
  });

  it('keeps a lossless WebP lossless', async () => {
    const webp = await splitImage(60, 40).webp({ lossless: true }).withExif(PRIVATE_EXIF).toBuffer();
    const view = await prepareForViewing(webp, 'image/webp');
    await expectOnlyCopyright(view.body);
    expect(await sharp(view.body).raw().toBuffer()).toEqual(await sharp(webp).raw().toBuffer());
  });

  it('strips a lossy WebP, which stays WebP', async () => {
    const webp = await splitImage(60, 40).webp().withExif(PRIVATE_EXIF).toBuffer();
    const view = await prepareForViewing(webp, 'image/webp');
    expect(view.contentType).toBe('image/webp');
    expect((await sharp(view.body).metadata()).format).toBe('webp');
    await expectOnlyCopyright(view.body);
  });

  it('strips an animated WebP without losing frames', async () => {
    const webp = await sharp(await animation('webp', 20, 10, 3), { animated: true })
      .webp()
      .withExif(PRIVATE_EXIF)
      .toBuffer();
    const view = await prepareForViewing(webp, 'image/webp');
    expect(await sharp(view.body).metadata()).toMatchObject({ pages: 3, width: 20, height: 10 });
    await expectOnlyCopyright(view.body);
  });

  it('strips an AVIF, which stays AVIF', async () => {
    const avif = await splitImage(60, 40).avif({ effort: 0 }).withExif(PRIVATE_EXIF).toBuffer();
    const view = await prepareForViewing(avif, 'image/avif');
    expect(view.contentType).toBe('image/avif');
    expect(await sharp(view.body).metadata()).toMatchObject({
      format: 'heif',
      compression: 'av1',
      width: 60,
    });
    await expectOnlyCopyright(view.body);
  });

  it.each([
    ['image/gif', () => solid(8, 8).gif().toBuffer()],
    [
      'image/svg+xml',
      async () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>'),
    ],
    ['image/bmp', async () => Buffer.from('BM not decoded at all', 'latin1')],
    ['image/x-icon', async () => Buffer.from([0, 0, 1, 0])],
  ])('serves %s unchanged', async (contentType, make) => {
    const body = await make();
    expect(await prepareForViewing(body, contentType)).toEqual({ body, contentType });
  });
});
