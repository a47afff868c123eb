import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { embedIccProfile } from '#core/images/icc';
import { PRIVATE_EXIF, splitImage } from '#test/fixtures';

describe('embedIccProfile', () => {
  it('tags a JPEG with a profile that sharp then reads back, EXIF intact', async () => {
    const p3 = (await sharp(await splitImage(8, 8).jpeg().withIccProfile('p3').toBuffer()).metadata()).icc;
    expect(p3).toBeDefined();
    const plain = await splitImage(60, 40).jpeg().withExif(PRIVATE_EXIF).toBuffer();

    const tagged = embedIccProfile(plain, p3 as Buffer);
    const metadata = await sharp(tagged).metadata();
    expect(metadata).toMatchObject({ format: 'jpeg', width: 60, height: 40, hasProfile: true });
    expect(metadata.icc).toEqual(p3);
    expect(metadata.exif).toEqual((await sharp(plain).metadata()).exif);
  });

  it('splits a profile larger than one JPEG segment across several', async () => {
    const large = Buffer.alloc(150_000);
    for (let i = 0; i < large.length; i++) large[i] = (i * 31) % 251;
    const tagged = embedIccProfile(await splitImage(16, 16).jpeg().toBuffer(), large);
    expect((await sharp(tagged).metadata()).icc).toEqual(large);
  });

  it('refuses what is not a JPEG', () => {
    expect(() => embedIccProfile(new Uint8Array([0x89, 0x50]), new Uint8Array(10))).toThrow();
  });
});
