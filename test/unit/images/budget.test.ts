import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ingestImage } from '#core/images/ingest';
import { IMAGE_LIMITS } from '#core/images/limits';
import { ImageRejected } from '#core/images/rejected';
import { readSvgInline } from '#core/images/svg';
import { transform } from '#core/images/transform';
import { animation } from '#test/fixtures';
import {
  filteredSvg,
  markedPathSvg,
  morphologySvg,
  nestedPatternsSvg,
  styleSheetFilterSvg,
  useAmplifiedSvg,
} from '#test/hostile';

const svg = (body: string, size = 'width="100" height="100"') =>
  Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" ${size}>${body}</svg>`);
const drawingOf = (bytes: Uint8Array) => readSvgInline(bytes).drawing;

describe('what an SVG draws', () => {
  it('counts every copy a <use> draws, not the elements written', () => {
    // 10³ copies of a 9-character text, from 4 levels of ten <use>s each.
    expect(drawingOf(useAmplifiedSvg(3))).toMatchObject({ glyphs: 9_000 });
    expect(drawingOf(useAmplifiedSvg(4))).toMatchObject({ glyphs: 90_000 });
    expect(drawingOf(useAmplifiedSvg(4)).elements).toBeGreaterThan(20_000);
  });

  it('draws definitions only where they are used', () => {
    const defined = '<defs><g id="d"><rect/><rect/><rect/></g></defs>';
    expect(drawingOf(svg(defined)).elements).toBe(1);
    expect(drawingOf(svg(`${defined}<use href="#d"/><use href="#d"/>`)).elements).toBe(1 + 2 * 5);
  });

  it('takes a <use> that reaches itself as drawing without end', () => {
    const drawing = drawingOf(svg('<g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g>'));
    expect(drawing.elements).toBe(Number.POSITIVE_INFINITY);
  });

  it('counts a pass per primitive of the filter each drawn element goes through', () => {
    const filters =
      '<defs><filter id="two"><feGaussianBlur/><feOffset/></filter><filter id="one"><feFlood/></filter></defs>';
    const drawn = '<rect filter="url(#two)"/><rect style="filter: url(#one)"/><rect/>';
    expect(drawingOf(svg(filters + drawn))).toMatchObject({ filterPasses: 3 });
  });

  it('counts what patterns, markers and clips draw again each time they are referred to', () => {
    // 10⁶ circles from six levels of patterns filling ten shapes each, in 3 KB.
    expect(drawingOf(nestedPatternsSvg(6)).elements).toBeGreaterThan(1_000_000);
    // A 300-circle marker on each of 2,000 vertices.
    expect(drawingOf(markedPathSvg(300, 2_000)).elements).toBeGreaterThan(600_000);
    const clipped = svg(
      `<clipPath id="c">${'<circle r="3"/>'.repeat(300)}</clipPath>${'<rect clip-path="url(#c)"/>'.repeat(100)}`,
    );
    expect(drawingOf(clipped).elements).toBeGreaterThan(30_000);
  });

  it('charges every element the heaviest filter when a style sheet can apply filters', () => {
    // Eight rectangles through a two-primitive filter, at least.
    expect(drawingOf(styleSheetFilterSvg(8)).filterPasses).toBeGreaterThanOrEqual(8 * 2);
    // Class rules for paint and clips, as drawing programs export them, cost no filter pass.
    const exported = svg(
      '<style>.a{fill:#fff;clip-path:url(#c)}.b{stroke:red}</style><clipPath id="c"><rect/></clipPath>' +
        '<rect class="a"/><rect class="b"/>',
    );
    expect(drawingOf(exported).filterPasses).toBe(0);
  });

  it('weighs a morphology filter at ten times a blur', () => {
    expect(drawingOf(morphologySvg(100, 100))).toMatchObject({ filterPasses: 11 });
  });

  it('bounds from above what the sanitiser cannot read', () => {
    // An entity from a DOCTYPE: unreadable here, though librsvg would draw it.
    const doctype = '<!DOCTYPE svg [<!ENTITY e "x">]>';
    const bytes = Buffer.from(
      `${doctype}<svg xmlns="http://www.w3.org/2000/svg"><g id="a"><text>&e;</text></g><use href="#a"/><use href="#a"/></svg>`,
    );
    const { document, drawing } = readSvgInline(bytes);
    expect(document).toBeUndefined();
    expect(drawing.elements).toBeGreaterThanOrEqual(4 * 3);
  });
});

describe('the render budget at ingest', () => {
  it('refuses an animated WebP whose every view would re-encode more frames than it pays for', async () => {
    const plain = await animation('webp', 20, 20, 30);
    const withExif = await sharp(plain, { animated: true })
      .withExif({ IFD0: { Make: 'Camera' } })
      .webp()
      .toBuffer();
    // Two EXIF chunks: which one counts is the reader's choice, so the viewer decodes to strip.
    const exif = withExif.indexOf('EXIF');
    const exifChunk = withExif.subarray(exif, exif + 8 + withExif.readUInt32LE(exif + 4));
    const twice = Buffer.concat([withExif, exifChunk]);
    twice.writeUInt32LE(twice.length - 8, 4);
    const tight = { ...IMAGE_LIMITS, renderBudgetMs: 50 };
    await expect(ingestImage(twice, tight)).rejects.toThrow(/animation's 30 frames/);
    // Metadata the viewer strips without decoding costs nothing per view; neither does none.
    expect((await ingestImage(withExif, tight)).format).toBe('webp');
    expect((await ingestImage(plain, tight)).format).toBe('webp');
  });
});

describe('the render budget in the viewer', () => {
  const tight = { ...IMAGE_LIMITS, renderBudgetMs: 50 };

  it('refuses an animation whose frames would take longer than the budget, naming it', async () => {
    const gif = await animation('gif', 40, 40, 30);
    await expect(transform(gif, { format: 'gif', rotate: 90 }, tight)).rejects.toThrow(
      /each of the animation's 30 frames would take about 0\.1 s to render, beyond the render budget of 0\.1 s/,
    );
    // The first frame alone, as a still, is cheap.
    expect((await transform(gif, { format: 'png', rotate: 90 }, tight)).contentType).toBe('image/png');
  });

  it('refuses to enlarge a filtered SVG past what the budget pays for, but draws it at its own size', async () => {
    const drawing = filteredSvg(100, 75);
    const limits = { ...IMAGE_LIMITS, renderBudgetMs: 20 };
    const own = await transform(drawing, { format: 'png' }, limits);
    expect(await sharp(own.body).metadata()).toMatchObject({ width: 100, height: 75 });
    await expect(transform(drawing, { width: 2000, fit: 'contain' }, limits)).rejects.toThrow(
      /applies 2 filter passes over 3,000,000 pixels/,
    );
  });

  it('refuses an SVG stored before the budget when even its own size is beyond it', async () => {
    const error = await transform(
      filteredSvg(400, 300),
      { format: 'png' },
      { ...IMAGE_LIMITS, renderBudgetMs: 10 },
    )
      .then(() => undefined)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImageRejected);
    expect(String(error)).toMatch(/applies 2 filter passes over 120,000 pixels/);
  });
});
