/**
 * SVG as an image, never as a document: the stored SVG is rebuilt from an allowlist of elements
 * and attributes, so what reaches a browser has no scripts, no event handlers, no `javascript:`
 * or external references, no DOCTYPE or entities, no foreign content. Allowlisting (rather than
 * removing known-bad things) means markup nobody thought of is dropped, not passed through.
 *
 * This is a deliberately small XML reader: anything it does not understand (malformed markup, an
 * entity a DOCTYPE defined, a root that is not `svg`) makes `sanitiseSvg` give up, and the viewer
 * then serves a rasterised PNG instead. The response headers (CSP sandbox, nosniff) remain the
 * second line of defence.
 */

import { offloadedDecoders } from './js-decoders.ts';
import { DrawingTree, type ReadSvg, roughDrawing } from './svg-drawing.ts';

const SVG_NS = 'http://www.w3.org/2000/svg';
const XLINK_NS = 'http://www.w3.org/1999/xlink';

// biome-ignore format: a list, grouped by kind of element
const ELEMENTS = new Set([
  'svg', 'g', 'defs', 'symbol', 'use', 'title', 'desc', 'switch', 'style',
  'path', 'rect', 'circle', 'ellipse', 'line', 'polyline', 'polygon',
  'text', 'tspan', 'textPath', 'image', 'marker', 'pattern', 'clipPath', 'mask',
  'linearGradient', 'radialGradient', 'stop',
  'animate', 'animateMotion', 'animateTransform', 'mpath',
  'filter', 'feBlend', 'feColorMatrix', 'feComponentTransfer', 'feComposite', 'feConvolveMatrix',
  'feDiffuseLighting', 'feDisplacementMap', 'feDistantLight', 'feDropShadow', 'feFlood', 'feFuncA',
  'feFuncB', 'feFuncG', 'feFuncR', 'feGaussianBlur', 'feImage', 'feMerge', 'feMergeNode',
  'feMorphology', 'feOffset', 'fePointLight', 'feSpecularLighting', 'feSpotLight', 'feTile',
  'feTurbulence',
]);

/** Elements kept as a group: a link's content is shown, the link itself is not. */
const RENAMED: ReadonlyMap<string, string> = new Map([['a', 'g']]);

/** Embedded rasters are the one non-local reference kept; they cannot run or fetch anything. */
const DATA_IMAGE = /^data:image\/(png|jpeg|gif|webp);base64,[a-z0-9+/=\s]*$/i;
const ATTRIBUTE_NAME = /^[A-Za-z_][\w.-]*(:[A-Za-z_][\w.-]*)?$/;
const ELEMENT_NAME = /^[A-Za-z_][\w.-]*$/;
/** CSS that can fetch, run or hide something (escapes could spell any of it). */
const UNSAFE_CSS = /@import|expression\s*\(|javascript:|behaviou?r\s*:|-moz-binding|\\/i;
const URL_REFERENCE = /url\(\s*(['"]?)([^'")]*)\1\s*\)/gi;
const ENTITY = /&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]+);/gi;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

class Unsupported extends Error {}

/** The sanitised document, or undefined when it cannot be read safely (serve a raster instead). */
export const sanitiseSvg = (bytes: Uint8Array): Uint8Array | undefined => readSvgInline(bytes).document;

/**
 * Sanitises an SVG and measures what rendering the result involves (see SvgDrawing). A large
 * drawing takes a while (about 1.3 s for 10 MB), so it runs where the JavaScript decoders run.
 */
export const readSvg = async (bytes: Uint8Array): Promise<ReadSvg> =>
  (offloadedDecoders()?.svg ?? readSvgInline)(bytes);

/** readSvg on this thread. */
export const readSvgInline = (bytes: Uint8Array): ReadSvg => {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    const drawing = new DrawingTree();
    const document = new TextEncoder().encode(rebuild(text, drawing));
    return { document, drawing: drawing.measure() };
  } catch {
    return { document: undefined, drawing: roughDrawing(bytes) };
  }
};

interface Open {
  name: string;
  /** Output name, or undefined while inside a dropped subtree. */
  kept: string | undefined;
}

const rebuild = (text: string, drawing: DrawingTree): string => {
  let out = '';
  const stack: Open[] = [];
  let seenRoot = false;
  let position = 0;
  const keeping = () => stack.every((open) => open.kept !== undefined);

  while (position < text.length) {
    const lt = text.indexOf('<', position);
    const end = lt < 0 ? text.length : lt;
    if (end > position) {
      const chars = decodeEntities(text.slice(position, end));
      if (stack.length === 0 && chars.trim() !== '') throw new Unsupported('text outside the root');
      if (keeping() && stack.length > 0) {
        out += escapeText(chars, stack);
        drawing.text(chars);
      }
    }
    if (lt < 0) break;

    if (text.startsWith('<!--', lt)) {
      position = after(text, '-->', lt);
    } else if (text.startsWith('<![CDATA[', lt)) {
      const close = text.indexOf(']]>', lt);
      if (close < 0) throw new Unsupported('unterminated CDATA');
      if (keeping() && stack.length > 0) {
        out += escapeText(text.slice(lt + 9, close), stack);
        drawing.text(text.slice(lt + 9, close));
      }
      position = close + 3;
    } else if (text.startsWith('<!', lt)) {
      position = skipDeclaration(text, lt);
    } else if (text.startsWith('<?', lt)) {
      position = after(text, '?>', lt);
    } else if (text.startsWith('</', lt)) {
      const close = text.indexOf('>', lt);
      if (close < 0) throw new Unsupported('unterminated end tag');
      const name = text.slice(lt + 2, close).trim();
      const open = stack.pop();
      if (!open || open.name !== name) throw new Unsupported('mismatched end tag');
      if (open.kept !== undefined && keeping()) {
        out += `</${open.kept}>`;
        drawing.close();
      }
      position = close + 1;
    } else {
      const tag = readTag(text, lt);
      position = tag.end;
      if (stack.length === 0) {
        if (seenRoot || tag.name !== 'svg') throw new Unsupported('root is not a single svg element');
        seenRoot = true;
      }
      const kept = keeping() ? keptName(tag) : undefined;
      if (kept !== undefined) {
        const root = stack.length === 0;
        out += `<${kept}${serialiseAttributes(tag, root)}${tag.selfClosing ? '/>' : '>'}`;
        drawing.open(kept, tag.attributes);
        if (tag.selfClosing) drawing.close();
      }
      if (!tag.selfClosing) stack.push({ name: tag.name, kept });
    }
  }
  if (!seenRoot || stack.length > 0) throw new Unsupported('unterminated document');
  return out;
};

const after = (text: string, marker: string, from: number): number => {
  const at = text.indexOf(marker, from);
  if (at < 0) throw new Unsupported(`missing ${marker}`);
  return at + marker.length;
};

/** A DOCTYPE, with its internal subset and any quoted strings, is skipped whole. */
const skipDeclaration = (text: string, from: number): number => {
  let depth = 0;
  for (let i = from + 2; i < text.length; i++) {
    const char = text[i];
    if (char === '"' || char === "'") {
      i = text.indexOf(char, i + 1);
      if (i < 0) break;
    } else if (char === '[') depth++;
    else if (char === ']') depth--;
    else if (char === '>' && depth <= 0) return i + 1;
  }
  throw new Unsupported('unterminated declaration');
};

interface Tag {
  name: string;
  attributes: Array<[string, string]>;
  selfClosing: boolean;
  end: number;
}

const readTag = (text: string, lt: number): Tag => {
  let i = lt + 1;
  const nameEnd = scanName(text, i);
  const name = text.slice(i, nameEnd);
  if (!ELEMENT_NAME.test(name) && !/^[A-Za-z_][\w.-]*:[A-Za-z_][\w.-]*$/.test(name)) {
    throw new Unsupported('bad element name');
  }
  i = nameEnd;
  const attributes: Array<[string, string]> = [];
  for (;;) {
    while (/\s/.test(text[i] ?? '')) i++;
    if (text.startsWith('/>', i)) return { name, attributes, selfClosing: true, end: i + 2 };
    if (text[i] === '>') return { name, attributes, selfClosing: false, end: i + 1 };
    const attributeEnd = scanName(text, i);
    const attribute = text.slice(i, attributeEnd);
    if (attribute === '') throw new Unsupported('bad attribute');
    i = attributeEnd;
    while (/\s/.test(text[i] ?? '')) i++;
    if (text[i] !== '=') throw new Unsupported('attribute without value');
    i++;
    while (/\s/.test(text[i] ?? '')) i++;
    const quote = text[i];
    if (quote !== '"' && quote !== "'") throw new Unsupported('unquoted attribute');
    const close = text.indexOf(quote, i + 1);
    if (close < 0) throw new Unsupported('unterminated attribute');
    const raw = text.slice(i + 1, close);
    if (raw.includes('<')) throw new Unsupported('< in attribute');
    attributes.push([attribute, decodeEntities(raw)]);
    i = close + 1;
  }
};

const scanName = (text: string, from: number): number => {
  let i = from;
  while (i < text.length && !/[\s=/>]/.test(text[i] ?? '')) i++;
  return i;
};

const decodeEntities = (text: string): string =>
  text.replace(ENTITY, (_, entity: string) => {
    if (entity[0] === '#') {
      const code =
        entity[1] === 'x' || entity[1] === 'X'
          ? Number.parseInt(entity.slice(2), 16)
          : Number(entity.slice(1));
      if (code === 0 || code > 0x10ffff) throw new Unsupported('bad character reference');
      return String.fromCodePoint(code);
    }
    const predefined = PREDEFINED[entity];
    if (predefined === undefined) throw new Unsupported(`entity &${entity};`);
    return predefined;
  });

/** The element's output name, or undefined to drop it with everything inside it. */
const keptName = (tag: Tag): string | undefined => {
  const name = RENAMED.get(tag.name) ?? tag.name;
  if (!ELEMENTS.has(name)) return undefined;
  if (name.startsWith('animate')) {
    // Animating a reference or a handler would bring back what the attribute rules remove.
    const target = tag.attributes.find(([attribute]) => attribute === 'attributeName')?.[1] ?? '';
    if (/href|^on/i.test(target.trim())) return undefined;
  }
  return name;
};

const serialiseAttributes = (tag: Tag, root: boolean): string => {
  let out = root ? ` xmlns="${SVG_NS}"` : '';
  let usesXlink = false;
  for (const [name, value] of tag.attributes) {
    if (!keepAttribute(tag.name, name, value)) continue;
    if (name.startsWith('xlink:')) usesXlink = true;
    out += ` ${name}="${escapeAttribute(value)}"`;
  }
  // The namespace is declared wherever it is used, so no declaration elsewhere is needed.
  return usesXlink ? `${out} xmlns:xlink="${XLINK_NS}"` : out;
};

const keepAttribute = (element: string, name: string, value: string): boolean => {
  if (!ATTRIBUTE_NAME.test(name) || /^on/i.test(name) || name === 'xmlns') return false;
  const [prefix, local] = name.includes(':') ? name.split(':') : [undefined, name];
  if (prefix !== undefined && !(prefix === 'xlink' && local === 'href') && prefix !== 'xml') return false;
  if (/javascript:|vbscript:/i.test(withoutControls(value))) return false;
  if (local === 'href')
    return (
      value.trim().startsWith('#') || (/^(image|feImage)$/.test(element) && DATA_IMAGE.test(value.trim()))
    );
  if (name === 'style' && UNSAFE_CSS.test(value)) return false;
  return onlyLocalUrls(value);
};

/** Browsers ignore spaces and control characters inside a URL scheme (`java\tscript:`). */
const withoutControls = (value: string): string =>
  [...value].filter((char) => char.charCodeAt(0) > 0x20 && char !== '\u00a0').join('');

/** `url(#id)` points inside the document; any other url() would fetch something. */
const onlyLocalUrls = (value: string): boolean => {
  for (const match of value.matchAll(URL_REFERENCE)) {
    if (!(match[2] ?? '').trim().startsWith('#')) return false;
  }
  // A url( the pattern could not read (e.g. unbalanced) is not given the benefit of the doubt.
  return (value.match(/url\(/gi)?.length ?? 0) === [...value.matchAll(URL_REFERENCE)].length;
};

/** Text is escaped as XML; a style sheet that could fetch or hide anything is dropped. */
const escapeText = (text: string, stack: Open[]): string => {
  const inStyle = stack[stack.length - 1]?.kept === 'style';
  if (inStyle && (UNSAFE_CSS.test(text) || !onlyLocalUrls(text))) return '';
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
};

const escapeAttribute = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
