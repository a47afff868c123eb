import { describe, expect, it } from 'vitest';
import { contentTypeForExtension, IMAGE_FORMATS } from '#core/images/formats';

describe('image formats', () => {
  it('stores HEIC as a JPEG with the jpg extension', () => {
    expect(IMAGE_FORMATS.heic).toMatchObject({ extension: 'jpg', contentType: 'image/jpeg' });
  });

  it.each([
    ['jpeg', 'image/jpeg'],
    ['jpg', 'image/jpeg'],
    ['png', 'image/png'],
    ['gif', 'image/gif'],
    ['webp', 'image/webp'],
    ['avif', 'image/avif'],
    ['svg', 'image/svg+xml'],
    ['bmp', 'image/bmp'],
    ['ico', 'image/x-icon'],
    ['JPEG', 'image/jpeg'],
  ])('serves a stored .%s as %s', (extension, contentType) => {
    expect(contentTypeForExtension(extension)).toBe(contentType);
  });

  it.each(['heic', 'tiff', 'html', '', 'constructor'])('knows no stored extension %j', (extension) => {
    expect(contentTypeForExtension(extension)).toBeUndefined();
  });
});
