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
}

/** No script, no third-party anything; images only from this origin. */
export const PAGE_CSP =
  "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

const STYLE =
  'html,body{margin:0;height:100%;background:#111}' +
  'body{display:flex;align-items:center;justify-content:center}' +
  'img{max-width:100%;max-height:100vh;height:auto;object-fit:contain}';

export const renderPage = ({ pageUrl, imageUrl, imagePath, image, caption }: PageInput): string => {
  const title = caption?.trim() || 'Image';
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
    `<img src="${escapeHtml(imagePath)}" alt="${escapeHtml(title)}" width="${image.width}" height="${image.height}">`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
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
