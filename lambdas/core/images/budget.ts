import { count, type ImageLimits } from './limits.ts';
import { ImageRejected } from './rejected.ts';
import type { SvgDrawing } from './svg-drawing.ts';

/**
 * The render budget: what a render will cost, estimated from facts known before any pixel work
 * (header sizes, frame counts, what an SVG draws), so a request that would run for minutes is
 * refused in microseconds instead of being cut off at its deadline. libvips checks its time limit
 * only between tiles, and librsvg draws the whole document for every tile, so a deadline alone
 * cannot stop an expensive SVG: it has to be refused before it starts.
 *
 * The costs are milliseconds on one core of the 2-core x86-64 machine the tests run on (an
 * arm64 Lambda at 2 GB measures within a factor of two), fitted to renders of the shapes that
 * dominate each term:
 * - a transformed animation frame costs 2.7 ms whatever its size (10,000 frames of 8² took 27 s),
 *   plus 0.04 µs per pixel in and out (500 frames of 300² rotated: 6.1 s);
 * - librsvg draws an element in about 30 µs and a character of text in 35 µs; one `<text>` of n
 *   characters costs 65 ms × (n/1000)² (8,000 characters: 4.2 s);
 * - a filter primitive costs 0.7 µs per pixel it is drawn at, up to 3 MP; beyond, librsvg filters
 *   the whole region again for each tile, and the cost grows with the square of the area too
 *   (turbulence and blur over 1000×750: 1.0 s; 2000×1500: 4.3 s; 2520×1890: 13 s; 3000×2250: 36 s).
 */
const COST_MS = {
  frame: 2.7,
  framePixel: 0.000_04,
  element: 0.03,
  glyph: 0.035,
  textRun: 65,
  filterPixel: 0.000_7,
  /** Where a filter's cost starts growing faster than its area. */
  filterTilePixels: 3_000_000,
} as const;

const seconds = (ms: number): string => (ms / 1000).toFixed(1);
/** Past a minute the estimate's precision means nothing; the order of magnitude is the message. */
const beyond = (ms: number, limits: ImageLimits): string =>
  `would take ${ms >= 60_000 ? 'more than a minute' : `about ${seconds(ms)} s`} to render, beyond the render budget of ${seconds(limits.renderBudgetMs)} s`;

/** Estimated cost of transforming every frame of an animation, one by one. */
export const animationMs = (frames: number, inputFramePixels: number, outputFramePixels: number): number =>
  frames * (COST_MS.frame + (inputFramePixels + outputFramePixels) * COST_MS.framePixel);

/** Refuses an animated render the budget cannot pay for. */
export const assertAnimationBudget = (
  frames: number,
  inputFramePixels: number,
  outputFramePixels: number,
  limits: ImageLimits,
): void => {
  const ms = animationMs(frames, inputFramePixels, outputFramePixels);
  if (ms > limits.renderBudgetMs) {
    throw new ImageRejected(
      `Transforming each of the animation's ${count(frames)} frames ${beyond(ms, limits)}; ask for a smaller size, or a still format such as png for its first frame.`,
    );
  }
};

/** The terms of an SVG's cost at `pixels` rendered pixels, each with what it says about the SVG. */
const svgTerms = (drawing: SvgDrawing, pixels: number): Array<[number, string]> => [
  [
    drawing.elements * COST_MS.element,
    `draws ${count(drawing.elements)} elements (each <use>, pattern, marker, clip or mask drawing its content again)`,
  ],
  [drawing.glyphs * COST_MS.glyph, `draws ${count(drawing.glyphs)} characters of text`],
  [
    COST_MS.textRun * (drawing.longestText / 1000) ** 2,
    `has a text of ${count(drawing.longestText)} characters`,
  ],
  [
    drawing.filterPasses * pixels * COST_MS.filterPixel * Math.max(1, pixels / COST_MS.filterTilePixels) ** 2,
    `applies ${count(drawing.filterPasses)} filter passes over ${count(Math.round(pixels))} pixels`,
  ],
];

export const svgMs = (drawing: SvgDrawing, pixels: number): number =>
  svgTerms(drawing, pixels).reduce((sum, [ms]) => sum + ms, 0);

/** Refuses an SVG whose render at `pixels` the budget cannot pay for, naming what costs most. */
export const assertSvgBudget = (drawing: SvgDrawing, pixels: number, limits: ImageLimits): void => {
  const terms = svgTerms(drawing, pixels);
  const ms = terms.reduce((sum, [term]) => sum + term, 0);
  if (!(ms <= limits.renderBudgetMs)) {
    const [, reason] = terms.reduce((most, term) => (term[0] > most[0] ? term : most));
    throw new ImageRejected(`The SVG ${reason}, which ${beyond(ms, limits)}.`);
  }
};
