/**
 * What rendering an SVG involves, measured while the sanitiser reads it: librsvg's time grows with
 * the elements it draws (every `<use>` draws its target again), with the glyphs Pango shapes, and
 * with every filter primitive applied over the pixels it covers. A few hundred bytes of nested
 * `<use>` can ask for millions of elements, so these are counted as drawn, not as written.
 */
export interface SvgDrawing {
  /** Elements drawn, each `<use>` counting its target's elements again. */
  elements: number;
  /** Characters of text drawn (whitespace runs count once, as SVG collapses them). */
  glyphs: number;
  /** The longest single `<text>`: Pango's time grows with the square of a run's length. */
  longestText: number;
  /** Filter primitives applied, counted per element drawn with a filter: each costs per pixel. */
  filterPasses: number;
}

/** An SVG as the sanitiser read it (svg.ts). */
export interface ReadSvg {
  /** The sanitised document; undefined when it cannot be read safely. */
  document: Uint8Array | undefined;
  /** What rendering it involves: of the sanitised document, else an upper bound for the input. */
  drawing: SvgDrawing;
}

const TEXT_ELEMENTS: ReadonlySet<string> = new Set(['text', 'tspan', 'textPath']);
/** Drawn only where something refers to them (`<use>`, `url(#id)`), each time it does. */
const UNDRAWN: ReadonlySet<string> = new Set([
  'defs',
  'symbol',
  'pattern',
  'marker',
  'clipPath',
  'mask',
  'filter',
]);
const REFERENCE = /url\(\s*['"]?#([^'")\s]+)/;
/** Properties that draw another element's content: paint servers, clips, masks, markers. */
const DRAWING_PROPERTIES = [
  'fill',
  'stroke',
  'clip-path',
  'mask',
  'marker',
  'marker-start',
  'marker-mid',
  'marker-end',
];
/**
 * Filter primitives by cost relative to a blur (measured over 1000×750: feMorphology 5.6 s against
 * about 0.5 s, whatever its radius).
 */
const PRIMITIVE_WEIGHT: Readonly<Record<string, number>> = { feMorphology: 11 };
const STYLE_PROPERTY: ReadonlyMap<string, RegExp> = new Map(
  ['filter', ...DRAWING_PROPERTIES].map((name) => [
    name,
    new RegExp(`(?:^|;)\\s*${name}\\s*:\\s*([^;]+)`, 'i'),
  ]),
);
/**
 * A style sheet that can apply a filter to elements by selector. (Clips, masks and markers set by
 * selector are left uncounted: exported drawings use them in class rules all the time, and they cost
 * far less than a filter over the canvas.)
 */
const STYLED_FILTER = /(^|[\s;{])filter\s*:/i;
const NUMBER = /-?(\d+\.?\d*|\.\d+)(e-?\d+)?/gi;

interface DrawingNode {
  name: string;
  id: string | undefined;
  /** The element a `<use>` draws again. */
  uses: string | undefined;
  /** The filter it is drawn through. */
  filter: string | undefined;
  /** Elements it draws again by reference, and how many times (markers: once per vertex). */
  draws: Array<{ id: string; times: number }>;
  children: number[];
  /** Characters directly inside it (counted for text elements only). */
  chars: number;
}

interface Drawn {
  elements: number;
  glyphs: number;
  filterPasses: number;
}

/** Built by the sanitiser from the elements it keeps, in document order. */
export class DrawingTree {
  readonly #nodes: DrawingNode[] = [];
  readonly #open: number[] = [];
  /** Whether a style sheet may filter elements we cannot attribute. */
  #styled = false;

  open(name: string, attributes: ReadonlyArray<readonly [string, string]>): void {
    const attribute = (wanted: string) => attributes.find(([key]) => key === wanted)?.[1];
    const style = attribute('style') ?? '';
    /** A presentation attribute, or the same property in the inline style. */
    const property = (wanted: string) =>
      attribute(wanted) ?? (style ? STYLE_PROPERTY.get(wanted)?.exec(style)?.[1] : undefined);
    const href = (attribute('href') ?? attribute('xlink:href'))?.trim();
    const filter = property('filter');
    const vertices = Math.max(
      1,
      Math.ceil(((attribute('d') ?? attribute('points') ?? '').match(NUMBER)?.length ?? 0) / 2),
    );
    const draws = DRAWING_PROPERTIES.flatMap((wanted) => {
      const id = REFERENCE.exec(property(wanted) ?? '')?.[1];
      return id === undefined ? [] : [{ id, times: wanted.startsWith('marker') ? vertices : 1 }];
    });
    const index = this.#nodes.length;
    this.#nodes.push({
      name,
      id: attribute('id')?.trim(),
      uses: name === 'use' && href?.startsWith('#') ? href.slice(1) : undefined,
      filter: filter === undefined ? undefined : (REFERENCE.exec(filter)?.[1] ?? ''),
      draws,
      children: [],
      chars: 0,
    });
    const parent = this.#open.at(-1);
    if (parent !== undefined) this.#nodes[parent]?.children.push(index);
    this.#open.push(index);
  }

  close(): void {
    this.#open.pop();
  }

  text(chars: string): void {
    const node = this.#nodes[this.#open.at(-1) ?? -1];
    if (node && TEXT_ELEMENTS.has(node.name)) node.chars += chars.replace(/\s+/g, ' ').length;
    if (node?.name === 'style' && STYLED_FILTER.test(chars)) this.#styled = true;
  }

  measure(): SvgDrawing {
    const byId = new Map<string, number>();
    this.#nodes.forEach((node, index) => {
      if (node.id !== undefined && !byId.has(node.id)) byId.set(node.id, index);
    });
    const primitives = (filterId: string): number => {
      const filter = this.#nodes[byId.get(filterId) ?? -1];
      // A filter we cannot resolve still costs librsvg a pass (it then draws the element plainly).
      if (filter?.name !== 'filter') return 1;
      const weights = filter.children.map((child) => PRIMITIVE_WEIGHT[this.#nodes[child]?.name ?? ''] ?? 1);
      return Math.max(
        1,
        weights.reduce((sum, weight) => sum + weight, 0),
      );
    };
    const memo = new Map<number, Drawn>();
    const drawing = new Set<number>();
    const drawn = (index: number): Drawn => {
      const known = memo.get(index);
      if (known) return known;
      const node = this.#nodes[index];
      // A `<use>` that reaches itself again is drawn without end (librsvg refuses it; so do we).
      if (!node || drawing.has(index)) return { elements: Infinity, glyphs: 0, filterPasses: 0 };
      drawing.add(index);
      const total: Drawn = {
        elements: 1,
        glyphs: TEXT_ELEMENTS.has(node.name) ? node.chars : 0,
        filterPasses: node.filter === undefined ? 0 : primitives(node.filter),
      };
      // Definitions are drawn only where something refers to them, and again each time it does.
      const children = node.children
        .filter((child) => !UNDRAWN.has(this.#nodes[child]?.name ?? ''))
        .map((child) => ({ child, times: 1 }));
      const references = [...(node.uses === undefined ? [] : [{ id: node.uses, times: 1 }]), ...node.draws];
      for (const { id, times } of references) {
        const child = byId.get(id);
        if (child !== undefined) children.push({ child, times });
      }
      for (const { child, times } of children) {
        const inner = drawn(child);
        total.elements += inner.elements * times;
        total.glyphs += inner.glyphs * times;
        total.filterPasses += inner.filterPasses * times;
      }
      drawing.delete(index);
      memo.set(index, total);
      return total;
    };
    const root = this.#nodes.length > 0 ? drawn(0) : { elements: 0, glyphs: 0, filterPasses: 0 };
    const longestText = this.#nodes.reduce(
      (longest, node, index) => (node.name === 'text' ? Math.max(longest, drawn(index).glyphs) : longest),
      0,
    );
    // A style sheet may filter every element: each is charged the heaviest filter in the document.
    const heaviest = this.#nodes.reduce(
      (most, node) => (node.name === 'filter' && node.id ? Math.max(most, primitives(node.id)) : most),
      0,
    );
    const filterPasses =
      this.#styled && heaviest > 0
        ? Math.max(root.filterPasses, root.elements * heaviest)
        : root.filterPasses;
    return { ...root, filterPasses, longestText };
  }
}

/**
 * An upper bound for a document the sanitiser could not read (librsvg may still render it): every
 * tag drawn once per `<use>`, all text as one run, every filter over every element.
 */
export const roughDrawing = (bytes: Uint8Array): SvgDrawing => {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const count = (pattern: RegExp) => text.match(pattern)?.length ?? 0;
  const tags = count(/<[A-Za-z]/g);
  const uses = count(/<use[\s/>]/gi);
  const glyphs = text.replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').length;
  return {
    elements: tags * (1 + uses),
    glyphs: glyphs * (1 + uses),
    longestText: glyphs,
    filterPasses: count(/<fe[A-Z]/g) * count(/filter\s*[=:]/gi) * (1 + uses),
  };
};
