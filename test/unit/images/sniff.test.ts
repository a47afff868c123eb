import { describe, expect, it } from 'vitest';
import { sniffFormat } from '#core/images/sniff';
import { bmp, ftyp, ico, solid, tinyHeic } from '#test/fixtures';

const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80"><rect width="120" height="80"/></svg>';
const text = (value: string) => new TextEncoder().encode(value);

describe('sniffFormat', () => {
  it.each([
    ['jpeg', () => solid(8, 8).jpeg().toBuffer()],
    ['png', () => solid(8, 8).png().toBuffer()],
    ['gif', () => solid(8, 8).gif().toBuffer()],
    ['webp', () => solid(8, 8).webp().toBuffer()],
    ['avif', () => solid(8, 8).avif({ effort: 0 }).toBuffer()],
    ['heic', tinyHeic],
    ['bmp', async () => bmp(4, 3)],
    ['ico', async () => ico([await solid(16, 16, 4).png().toBuffer()])],
    ['svg', async () => text(SVG)],
  ])('recognises %s from its bytes', async (format, make) => {
    expect(await sniffFormat(await make())).toBe(format);
  });

  it('recognises SVG behind an XML declaration, a BOM, a doctype and comments', async () => {
    const svg = `\uFEFF<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<!-- drawn by hand -->
${SVG}`;
    expect(await sniffFormat(text(svg))).toBe('svg');
  });

  it.each([
    ['TIFF', () => solid(8, 8).tiff().toBuffer()],
    [
      'PDF',
      async () => text('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'),
    ],
    ['plain text', async () => text('just some words, not a picture\n')],
    [
      'HTML (whatever the file is called)',
      async () => text('<!DOCTYPE html><html><body><svg></svg></body></html>'),
    ],
    ['XML that is not SVG', async () => text('<?xml version="1.0"?><rss version="2.0"><channel/></rss>')],
    ['a ZIP archive', async () => Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(60)])],
    ['an MP4 video', async () => ftyp('isom', ['isom', 'mp41'])],
    ['empty input', async () => new Uint8Array(0)],
  ])('rejects %s', async (_name, make) => {
    expect(await sniffFormat(await make())).toBeUndefined();
  });

  describe('HEIF container: AVIF and HEIC are told apart by codec brand', () => {
    it.each([
      ['avif', ['mif1', 'miaf'], 'avif'],
      ['mif1', ['mif1', 'avif', 'miaf'], 'avif'],
      ['heic', ['mif1', 'heic'], 'heic'],
      ['mif1', ['mif1', 'heic', 'miaf'], 'heic'],
      ['heix', ['mif1', 'heix'], 'heic'],
      ['msf1', ['msf1', 'hevc'], 'heic'],
    ])('major brand %s with %j is %s', async (major, compatible, expected) => {
      expect(await sniffFormat(ftyp(major, compatible))).toBe(expected);
    });

    it('reports a real AVIF as avif and a real HEIC as heic', async () => {
      expect(await sniffFormat(await solid(8, 8).avif({ effort: 0 }).toBuffer())).toBe('avif');
      expect(await sniffFormat(await tinyHeic())).toBe('heic');
    });
  });

  describe('stays cheap on large input', () => {
    it('rejects 10 MB of text quickly', async () => {
      const started = performance.now();
      expect(await sniffFormat(text('a'.repeat(10_000_000)))).toBeUndefined();
      expect(performance.now() - started).toBeLessThan(1000);
    });

    it('recognises a 10 MB SVG quickly', async () => {
      const body = '<rect width="1" height="1"/>'.repeat(360_000);
      const svg = text(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">${body}</svg>`);
      expect(svg.length).toBeGreaterThan(10_000_000);
      const started = performance.now();
      expect(await sniffFormat(svg)).toBe('svg');
      expect(performance.now() - started).toBeLessThan(1000);
    });
  });
});
