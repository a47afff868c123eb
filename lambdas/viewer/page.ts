/**
 * The viewer page a browser gets at a link: the image, and Open Graph / Twitter card tags so a
 * shared link unfurls with the same transforms. Every value written into the HTML is escaped;
 * captions are the uploader's text.
 */
export interface PageInput {
  /** The link as shared (with its canonical query), absolute. */
  pageUrl: string;
  /** The image with the same transforms, absolute (og:image) and as the page loads it. */
  imageUrl: string;
  imagePath: string;
  image: { contentType: string; width: number; height: number };
  caption: string | undefined;
  /** The uploader's attribution fields (author, license, source, …), shown as they were given. */
  attribution: Record<string, string>;
  /** og:site_name, and the page's signature. */
  siteName: string;
  /** The original, untransformed, in its stored format (e.g. `/abc.jpeg`), and that format's name. */
  original: { path: string; format: string };
  /**
   * What to paint in the image's box while it loads: its average colour, and its ThumbHash as a small
   * PNG (`data:` URL) when the image is opaque and shows the original's shape. Undefined: nothing.
   */
  placeholder?: { color: string; image: string | undefined } | undefined;
}

/**
 * No script, no third-party anything; images only from this origin, and the placeholder painted
 * behind the image while it loads (a `data:` PNG the page carries itself).
 */
export const PAGE_CSP =
  "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/**
 * The image first, as large as the window allows; beneath it what it is (caption) and whose
 * (attribution), then where to get it. One column: the same at phone and desktop widths.
 */
const STYLE =
  'html{background:#111;color:#ddd;font:15px/1.5 system-ui,sans-serif}' +
  'body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center}' +
  'figure{margin:0;width:100%;display:flex;flex-direction:column;align-items:center}' +
  'img{display:block;max-width:100%;max-height:85vh;width:auto;height:auto;object-fit:contain}' +
  'figcaption,footer{box-sizing:border-box;width:100%;max-width:48rem;padding:.75rem 1rem 0}' +
  'figcaption{font-size:1.1rem;color:#f2f2f2;overflow-wrap:anywhere}' +
  'dl{margin:.25rem 0 0;display:grid;grid-template-columns:max-content 1fr;gap:0 .75rem}' +
  'dt{color:#999}dd{margin:0;overflow-wrap:anywhere}' +
  'footer{padding-bottom:1rem;color:#999;font-size:.9rem}a{color:#9cc3ff}';

export const renderPage = ({
  pageUrl,
  imageUrl,
  imagePath,
  image,
  caption,
  attribution,
  siteName,
  original,
  placeholder,
}: PageInput): string => {
  const title = caption?.trim() || 'Image';
  const credits = Object.entries(attribution).filter(([, value]) => value.trim());
  const author = attribution.author?.trim();
  const meta = (attribute: 'property' | 'name', key: string, value: string | number) =>
    `<meta ${attribute}="${key}" content="${escapeHtml(String(value))}">`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<link rel="canonical" href="${escapeHtml(pageUrl)}">`,
    meta('property', 'og:type', 'website'),
    meta('property', 'og:site_name', siteName),
    ...(author ? [meta('name', 'author', author)] : []),
    meta('property', 'og:title', title),
    ...(caption ? [meta('property', 'og:description', caption), meta('name', 'description', caption)] : []),
    meta('property', 'og:url', pageUrl),
    meta('property', 'og:image', imageUrl),
    meta('property', 'og:image:type', image.contentType),
    meta('property', 'og:image:width', image.width),
    meta('property', 'og:image:height', image.height),
    meta('property', 'og:image:alt', title),
    meta('name', 'twitter:card', 'summary_large_image'),
    meta('name', 'twitter:title', title),
    meta('name', 'twitter:image', imageUrl),
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<figure>',
    `<img src="${escapeHtml(imagePath)}" alt="${escapeHtml(title)}" width="${image.width}" height="${image.height}"${placeholderStyle(placeholder)}>`,
    ...(caption?.trim() || credits.length > 0
      ? [
          '<figcaption>',
          ...(caption?.trim() ? [`<div>${escapeHtml(caption)}</div>`] : []),
          ...(credits.length > 0
            ? [
                '<dl>',
                ...credits.map(
                  ([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`,
                ),
                '</dl>',
              ]
            : []),
          '</figcaption>',
        ]
      : []),
    '</figure>',
    '<footer>',
    `<a href="${escapeHtml(imagePath)}">Image</a> · ` +
      `<a href="${escapeHtml(original.path)}">Original (${escapeHtml(original.format.toUpperCase())})</a> · ` +
      `${escapeHtml(siteName)}`,
    '</footer>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
};

/**
 * The placeholder as the image box's background: the width and height attributes reserve the box,
 * so it shows at once and the image covers it when it arrives (no script needed, none allowed).
 */
const placeholderStyle = (placeholder: PageInput['placeholder']): string => {
  if (!placeholder || !/^#[0-9a-f]{6}$/.test(placeholder.color)) return '';
  const image =
    placeholder.image && /^data:image\/png;base64,[A-Za-z0-9+/=]+$/.test(placeholder.image)
      ? ` url(${placeholder.image}) center/100% 100% no-repeat`
      : '';
  return ` style="background:${placeholder.color}${image}"`;
};

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
