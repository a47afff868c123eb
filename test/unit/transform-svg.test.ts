import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { IMAGE_LIMITS } from '#core/images/limits';
import { sanitiseSvg } from '#core/images/svg';
import { transform } from '#core/images/transform';

const LIMITS = IMAGE_LIMITS;
const svg = (body: string, attributes = 'width="8" height="8"') =>
  Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" ${attributes}>${body}</svg>`);
const clean = (input: Buffer) => {
  const out = sanitiseSvg(input);
  return out === undefined ? undefined : Buffer.from(out).toString('utf8');
};

describe('sanitiseSvg', () => {
  it('keeps a plain drawing as it is', () => {
    const drawing = '<g transform="rotate(45)"><rect width="8" height="4" fill="#f00"/><circle r="2"/></g>';
    expect(clean(svg(drawing))).toBe(
      `<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">${drawing}</svg>`,
    );
  });

  it.each([
    ['script elements', '<script>alert(1)</script><rect width="1" height="1"/>', /script|alert/],
    ['script in CDATA', '<script><![CDATA[alert(1)]]></script>', /alert/],
    [
      'event handlers',
      '<rect width="1" height="1" onclick="alert(1)" ONLOAD="x()"/>',
      /onclick|onload|alert/i,
    ],
    [
      'javascript: links',
      '<a href="javascript:alert(1)"><rect width="1" height="1"/></a>',
      /javascript|href/,
    ],
    ['encoded javascript: links', '<a xlink:href="&#106;avascript:alert(1)">x</a>', /avascript|href/],
    ['external images', '<image href="https://evil.example/x.png" width="1" height="1"/>', /evil|href/],
    ['external use', '<use href="https://evil.example/s.svg#x"/>', /evil/],
    [
      'foreignObject',
      '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>',
      /foreignObject|div|hi/,
    ],
    [
      'external url() in attributes',
      '<rect fill="url(https://evil.example/p.svg#g)" width="1" height="1"/>',
      /evil|fill/,
    ],
    [
      'external url() in style',
      '<rect style="fill:url(http://evil.example/#a)" width="1" height="1"/>',
      /evil|style/,
    ],
    ['@import in style sheets', '<style>@import url(https://evil.example/x.css);</style>', /evil|import/],
    ['set animating a link', '<a><set attributeName="href" to="javascript:alert(1)"/></a>', /set|javascript/],
    ['animate animating a handler', '<animate attributeName="onclick" values="alert(1)"/>', /animate|alert/],
    [
      'processing instructions',
      '<?xml-stylesheet href="https://evil.example/x.css"?><g/>',
      /evil|xml-stylesheet/,
    ],
    ['comments', '<!-- <script>alert(1)</script> --><g/>', /script|alert/],
  ])('removes %s', (_, body, forbidden) => {
    const out = clean(svg(body));
    expect(out).toBeDefined();
    expect(out).not.toMatch(forbidden);
  });

  it('keeps internal references, embedded rasters and safe styles', () => {
    const body =
      '<defs><linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient></defs>' +
      '<rect fill="url(#g)" style="stroke: blue" width="8" height="8"/>' +
      '<use xlink:href="#g"/><image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/>' +
      '<style>rect { fill: url(#g) }</style>';
    const out = clean(svg(body, 'xmlns:xlink="http://www.w3.org/1999/xlink" width="8" height="8"'));
    expect(out).toContain('fill="url(#g)"');
    expect(out).toContain('style="stroke: blue"');
    expect(out).toContain('xlink:href="#g"');
    expect(out).toContain('href="data:image/png;base64,iVBORw0KGgo="');
    expect(out).toContain('rect { fill: url(#g) }');
  });

  it('drops the DOCTYPE and its entities, and gives up on an entity it cannot resolve', () => {
    const doctype = '<!DOCTYPE svg [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>';
    expect(clean(Buffer.from(`${doctype}${svg('<rect width="1" height="1"/>')}`))).not.toMatch(
      /DOCTYPE|ENTITY|passwd/,
    );
    expect(clean(Buffer.from(`${doctype}${svg('<text>&x;</text>')}`))).toBeUndefined();
  });

  it('escapes what it writes back', () => {
    expect(clean(svg('<text>a &lt; b &amp; "c"</text><desc title="&quot;&gt;x">d</desc>'))).toContain(
      '<text>a &lt; b &amp; "c"</text><desc title="&quot;&gt;x">d</desc>',
    );
  });

  it.each([
    ['malformed markup', '<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>'],
    ['a root that is not svg', '<html><svg/></html>'],
    ['unquoted attributes', '<svg xmlns="http://www.w3.org/2000/svg" width=8/>'],
    ['invalid UTF-8', Buffer.from([0x3c, 0x73, 0x76, 0x67, 0xff, 0x2f, 0x3e])],
  ])('gives up on %s', (_, input) => {
    expect(sanitiseSvg(Buffer.isBuffer(input) ? input : Buffer.from(input))).toBeUndefined();
  });
});

describe('transform of an SVG', () => {
  const drawing = svg('<rect width="8" height="8" fill="#ff0000"/><script>alert(1)</script>');

  it('serves the sanitised SVG when nothing is asked of its pixels', async () => {
    const out = await transform(drawing, { metadata: 'keep', quality: 50 }, LIMITS);
    expect(out.contentType).toBe('image/svg+xml');
    expect(Buffer.from(out.body).toString()).not.toContain('script');
  });

  it('rasterises as soon as a transform is asked, PNG unless told otherwise', async () => {
    const png = await transform(drawing, { saturation: 0 }, LIMITS);
    expect(png.contentType).toBe('image/png');
    expect(await sharp(png.body).metadata()).toMatchObject({ format: 'png', width: 8, height: 8 });
    const webp = await transform(drawing, { format: 'webp' }, LIMITS);
    expect(webp.contentType).toBe('image/webp');
  });

  it('renders an enlarged SVG at the size asked, sharp rather than scaled up', async () => {
    const out = await transform(svg('<circle cx="4" cy="4" r="4"/>'), { width: 400, fit: 'contain' }, LIMITS);
    const { data, info } = await sharp(out.body).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([400, 400]);
    // A crisp edge: a row through the centre goes from transparent to opaque within a few pixels.
    const row = Array.from({ length: 40 }, (_, x) => data[(200 * 400 + x) * 4 + 3] ?? 0);
    expect(row.filter((alpha) => alpha > 10 && alpha < 245).length).toBeLessThanOrEqual(3);
  });

  it('rasterises a document it cannot sanitise rather than serve it', async () => {
    const doctype = '<!DOCTYPE svg [ <!ENTITY who "world"> ]>';
    const out = await transform(Buffer.from(`${doctype}${svg('<text y="6">&who;</text>')}`), {}, LIMITS);
    expect(out.contentType).toBe('image/png');
  });
});
