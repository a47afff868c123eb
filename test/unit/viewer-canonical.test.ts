import fc from 'fast-check';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { cssColour, namedColours } from '#core/images/colour';
import { BROWSER_ACCEPT } from '#test/accept';
import { acceptClass, cacheClass, canonicalQueryString, imageClass } from '../../lambdas/viewer/canonical.ts';
import { describedQuery, negotiated, parseViewerQuery, TransformQuery } from '../../lambdas/viewer/query.ts';

const canonical = (query: string) => canonicalQueryString([...new URLSearchParams(query)]);
const pairsOf = (query: string): Array<[string, string]> => [...new URLSearchParams(query)];

describe('canonicalQueryString', () => {
  it('makes one cache entry of reordered, repeated-key-free and junk-carrying queries', () => {
    expect(canonical('w=800&format=webp')).toBe('format=webp&w=800');
    expect(canonical('format=webp&w=800')).toBe('format=webp&w=800');
    expect(canonical('format=webp&w=800&junk=x&utm_source=y')).toBe('format=webp&w=800');
    expect(canonical('')).toBe('');
    expect(canonical('junk=1')).toBe('');
  });

  it.each([
    ['brightness=1.50', 'brightness=1.5'],
    ['brightness=01.5', 'brightness=1.5'],
    ['contrast=.5', 'contrast=0.5'],
    ['saturation=0.004', 'saturation=0'],
    ['sharp=2.345', 'sharp=2.35'],
    ['w=0800', 'w=800'],
    ['rotate=090', 'rotate=90'],
    ['flip=VH', 'flip=hv'],
    ['format=JPEG', 'format=jpg'],
    ['format=jpeg', 'format=jpg'],
    ['metadata=NONE', 'metadata=none'],
    ['background=%23FF0000', 'background=%23ff0000'],
    ['background=red', 'background=%23ff0000'],
    ['background=f00', 'background=%23ff0000'],
    ['background=%23f00f', 'background=%23ff0000'],
    ['background=rgb(255,0,0)', 'background=%23ff0000'],
    ['background=rgb(100%25 0%25 0%25)', 'background=%23ff0000'],
    ['background=rgba(0,0,255,0.5)', 'background=%230000ff80'],
    ['background=rgb(0 0 255 / 50%25)', 'background=%230000ff80'],
    ['background=transparent', 'background=%2300000000'],
    ['w=100&w=200', 'w=200'],
    ['w=100&fit=cover', 'fit=cover&w=100'],
    ['format=AUTO&w=800', 'format=auto&w=800'],
    ['w=400&dpr=2.000', 'dpr=2&w=400'],
    ['w=400&dpr=1.505', 'dpr=1.51&w=400'],
    ['size=S', 'size=small'],
    ['size=m', 'size=medium'],
    ['size=social&dpr=2', 'dpr=2&size=social'],
    ['size=social&gravity=North', 'gravity=north&size=social'],
    ['w=10&h=10&fit=cover&gravity=auto', 'fit=cover&gravity=attention&h=10&w=10'],
    ['w=10&h=10&fit=crop&gravity=0.30x.6', 'fit=crop&gravity=0.3x0.6&h=10&w=10'],
    ['w=10&h=10&fit=cover&gravity=1x0', 'fit=cover&gravity=1x0&h=10&w=10'],
    ['trim=AUTO', 'trim=auto'],
    ['trim=10', 'trim=auto'],
    ['trim=025', 'trim=25'],
  ])('normalises %s to %s', (query, expected) => {
    expect(canonical(query)).toBe(expected);
  });

  it.each([
    // Defaults: no change, so no variant.
    ['brightness=1', ''],
    ['contrast=1.00', ''],
    ['saturation=1', ''],
    ['gamma=0', ''],
    ['gamma=1', ''],
    ['blur=0', ''],
    ['sharp=0', ''],
    ['metadata=copyright', ''],
    ['fit=scale-down', ''],
    // Out of range or malformed.
    ['brightness=10.01', ''],
    ['brightness=-1', ''],
    ['brightness=1e1', ''],
    ['brightness=+1', ''],
    ['brightness= 1', ''],
    ['brightness=', ''],
    ['brightness=NaN', ''],
    ['blur=251', ''],
    ['blur=2.5', ''],
    ['w=0', ''],
    ['w=8193', ''],
    ['w=1.5', ''],
    ['h=-5', ''],
    ['q=0', ''],
    ['q=101', ''],
    ['rotate=45', ''],
    ['rotate=360', ''],
    ['rotate=-90', ''],
    ['rotate=90.0', ''],
    ['flip=x', ''],
    ['fit=fill&w=5', 'w=5'],
    ['format=tiff', ''],
    ['format=svg', ''],
    ['metadata=all', ''],
    ['background=notacolour', ''],
    ['background=%23ggg', ''],
    ['background=rgb(256,0,0)', ''],
    ['background=rgba(0,0,0,1.5)', ''],
    ['background=rgb(1,2)', ''],
    ['segment=background', ''],
    ['segment=Foreground&segment=x', ''],
    ['segment=', ''],
    ['W=800', ''],
    // Only meaningful with something else.
    ['fit=cover', ''],
    ['q=50&format=png', 'format=png'],
    ['q=50&format=gif', 'format=gif'],
    // Last value wins, then is validated.
    ['w=100&w=abc', ''],
    // The responsive parameters.
    ['dpr=2', ''],
    ['w=5&dpr=1', 'w=5'],
    ['w=5&dpr=0.5', 'w=5'],
    ['w=5&dpr=4.01', 'w=5'],
    ['size=huge', ''],
    ['size=small&w=300', 'w=300'],
    ['w=10&h=10&fit=cover&gravity=center', 'fit=cover&h=10&w=10'],
    ['w=10&h=10&fit=cover&gravity=up', 'fit=cover&h=10&w=10'],
    ['w=10&h=10&fit=cover&gravity=1.1x0.5', 'fit=cover&h=10&w=10'],
    ['w=10&h=10&fit=cover&gravity=0.5x', 'fit=cover&h=10&w=10'],
    ['w=10&h=10&fit=cover&gravity=-0.1x0.5', 'fit=cover&h=10&w=10'],
    ['w=10&h=10&gravity=north', 'h=10&w=10'],
    ['w=10&fit=cover&gravity=north', 'fit=cover&w=10'],
    ['size=social&fit=contain&gravity=north', 'fit=contain&size=social'],
    ['trim=0', ''],
    ['trim=101', ''],
    ['trim=yes', ''],
  ])('ignores %s (→ "%s")', (query, expected) => {
    expect(canonical(query)).toBe(expected);
  });

  it('reads raw pairs, as a CloudFront Function sees them, like decoded ones', () => {
    expect(canonicalQueryString([['background', '%23ff0000']])).toBe('background=%23ff0000');
    expect(canonicalQueryString([['background', 'rgb(255,+0,+0)']])).toBe('background=%23ff0000');
    expect(canonicalQueryString([['%77', '10']])).toBe('w=10');
    expect(canonicalQueryString([['w', '%E0%A4%A']])).toBe('');
  });

  const KEYS = [
    'background',
    'blur',
    'brightness',
    'contrast',
    'dpr',
    'fit',
    'flip',
    'format',
    'gamma',
    'gravity',
    'h',
    'metadata',
    'q',
    'rotate',
    'saturation',
    'sharp',
    'size',
    'trim',
    'w',
  ];
  const value = fc.oneof(
    fc.constantFrom('0', '1', '1.5', '2', '10', '11', '90', '180', '270', '800', '8192', '-1', 'abc', ''),
    fc.constantFrom(
      'h',
      'v',
      'hv',
      'vh',
      'webp',
      'JPEG',
      'avif',
      'png',
      'gif',
      'none',
      'keep',
      'cover',
      'pad',
      'crop',
      'auto',
      'small',
      'social',
      'north',
      'attention',
      '0.3x0.6',
    ),
    fc.constantFrom('#fff', '%23FF000080', 'red', 'rgba(1,2,3,0.5)', 'rgb(1 2 3 / 40%)', 'transparent'),
    fc.double({ min: -1, max: 300, noNaN: true }).map(String),
    fc.nat(10_000).map(String),
    fc.string({ maxLength: 8 }),
  );
  const pair = fc.tuple(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 })), value);
  const pairs = fc.array(pair, { maxLength: 12 });

  it('is idempotent (property)', () => {
    fc.assert(
      fc.property(pairs, (input) => {
        const once = canonicalQueryString(input);
        expect(canonicalQueryString(pairsOf(once))).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  it('is insensitive to the order of distinct keys and to unknown keys (property)', () => {
    const distinct = fc.uniqueArray(pair, { selector: ([key]) => key, maxLength: 12 });
    const junk = fc.array(
      fc.tuple(fc.constantFrom('utm_source', 'x', 'Format', 'Segment', '__proto__'), value),
      { maxLength: 4 },
    );
    fc.assert(
      fc.property(distinct, junk, fc.infiniteStream(fc.nat()), (input, extra, random) => {
        const shuffled = [...input, ...extra]
          .map((entry) => ({ entry, order: random.next().value }))
          .sort((a, b) => a.order - b.order)
          .map(({ entry }) => entry);
        expect(canonicalQueryString(shuffled)).toBe(canonicalQueryString(input));
      }),
      { numRuns: 2000 },
    );
  });

  it('always yields what the typed schema accepts (property)', () => {
    fc.assert(
      fc.property(pairs, (input) => {
        const query = canonicalQueryString(input);
        expect(TransformQuery.safeParse(Object.fromEntries(pairsOf(query))).success).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseViewerQuery', () => {
  it('keeps format=json in the cache key and out of the options, with the query it describes', () => {
    const asked = parseViewerQuery('w=800&format=JSON&blur=2');
    expect(asked).toMatchObject({ canonical: 'blur=2&format=json&w=800', json: true });
    expect(asked.options).toEqual({ width: 800, blur: 2 });
    expect(describedQuery(asked)).toEqual(parseViewerQuery('w=800&blur=2'));
    // Another format given after it wins, as any repeated parameter's last value does.
    expect(parseViewerQuery('format=json&format=webp')).toMatchObject({
      json: false,
      options: { format: 'webp' },
    });
  });

  it('types the canonical query for transform', () => {
    expect(parseViewerQuery('w=800&format=jpeg&sharp=1&q=70&background=rgba(0,0,255,0.5)&junk=1')).toEqual({
      canonical: 'background=%230000ff80&format=jpg&q=70&sharp=1&w=800',
      variant: 'background=%230000ff80&format=jpg&q=70&sharp=1&w=800',
      json: false,
      options: expect.objectContaining({
        width: 800,
        format: 'jpeg',
        sharpen: 1,
        quality: 70,
        background: { r: 0, g: 0, b: 255, alpha: 128 / 255 },
      }),
    });
  });

  it('types the responsive parameters', () => {
    expect(parseViewerQuery('format=auto&size=social&dpr=1.5&gravity=0.25x0.75&trim=auto').options).toEqual({
      format: 'auto',
      size: 'social',
      dpr: 1.5,
      gravity: { x: 0.25, y: 0.75 },
      trim: 10,
    });
    expect(parseViewerQuery('w=9&h=9&fit=crop&gravity=entropy').options.gravity).toBe('entropy');
  });

  it('negotiates format=auto into the image class, and names the variant by it', () => {
    const auto = parseViewerQuery('format=auto&w=800');
    const avif = negotiated(auto, 'image/avif,image/webp,*/*');
    expect(avif.options).toMatchObject({ format: 'auto', accepts: 'avif' });
    expect(avif.variant).toBe('format=auto&w=800#avif');
    expect(negotiated(auto, '*/*').variant).toBe('format=auto&w=800#legacy');
    // Anything else is the same for every client.
    const webp = parseViewerQuery('format=webp&w=800');
    expect(negotiated(webp, 'image/avif')).toBe(webp);
  });

  it('lets the extension of /<id>.<ext> win over a format in the query', () => {
    expect(parseViewerQuery('format=png&w=10', 'webp').canonical).toBe('format=webp&w=10');
    expect(parseViewerQuery('format=png', 'jpeg').options.format).toBe('jpeg');
  });
});

describe('cssColour', () => {
  it('knows every CSS named colour, with the value sharp itself gives it', async () => {
    const names = namedColours();
    expect(names).toHaveLength(148);
    for (const [name, hex] of names) {
      const { data } = await sharp({ create: { width: 1, height: 1, channels: 3, background: name } })
        .raw()
        .toBuffer({ resolveWithObject: true });
      const expected = `#${[...data].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
      expect(hex, name).toBe(expected);
      expect(cssColour(name.toUpperCase())).toBe(hex);
    }
  });
});

describe('acceptClass', () => {
  it.each([
    [
      'Chrome navigating',
      'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7',
      'html',
    ],
    ['Firefox navigating', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'html'],
    ['an XHTML-only client', 'application/xhtml+xml', 'html'],
    ['Chrome loading an <img>', 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8', 'image'],
    ['curl', '*/*', 'image'],
    ['no header', undefined, 'image'],
    ['html refused', 'text/html;q=0, image/png', 'image'],
    ['images preferred', 'image/*,text/html;q=0.5', 'image'],
    ['a malformed q', 'text/html;q=abc', 'image'],
  ])('%s → %s', (_, accept, expected) => {
    expect(acceptClass(accept)).toBe(expected);
  });
});

describe('imageClass and cacheClass', () => {
  it.each([
    ['Chrome 85', BROWSER_ACCEPT.chrome85, 'avif'],
    ['Chrome 131', BROWSER_ACCEPT.chrome131, 'avif'],
    ['Firefox', BROWSER_ACCEPT.firefox, 'avif'],
    ['Safari 17', BROWSER_ACCEPT.safari17, 'avif'],
    ['Chrome 80', BROWSER_ACCEPT.chrome80, 'webp'],
    ['AVIF refused', 'image/avif;q=0,image/webp', 'webp'],
    ['Safari 13', BROWSER_ACCEPT.safari13, 'legacy'],
    ['curl', '*/*', 'legacy'],
    ['no header', undefined, 'legacy'],
    ['upper case', 'IMAGE/AVIF', 'avif'],
  ])('%s → %s', (_, accept, expected) => {
    expect(imageClass(accept)).toBe(expected);
  });

  it('splits only format=auto by image class, and keeps html apart', () => {
    expect(cacheClass('format=auto&w=800', BROWSER_ACCEPT.chrome85)).toBe('avif');
    expect(cacheClass('format=auto&w=800', BROWSER_ACCEPT.chrome80)).toBe('webp');
    expect(cacheClass('format=auto', '*/*')).toBe('legacy');
    expect(cacheClass('format=avif&w=800', BROWSER_ACCEPT.chrome85)).toBe('image');
    expect(cacheClass('w=800', BROWSER_ACCEPT.chrome80)).toBe('image');
    expect(cacheClass('format=auto', 'text/html,image/avif')).toBe('html');
  });
});
