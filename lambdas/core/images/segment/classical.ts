import { sharp } from '../sharp.ts';
import { featherMask, type Mask } from './mask.ts';
import type { RgbaImage, Segmenter } from './segmenter.ts';

/**
 * Background removal without a model, for images on a plain or near-uniform background:
 * product shots on white, logos and drawings on a flat colour, studio portraits against a
 * backdrop. It does not understand what it sees; a photo with a busy background is returned
 * unchanged rather than guessed at.
 *
 * 1. The border is read on a copy at most WORKING_SIDE pixels long (median-filtered, which
 *    takes out sensor noise and JPEG ringing). Up to three colours that together cover most of
 *    it are the background; each gets a tolerance from its own spread, so a noisy or slightly
 *    graded backdrop is still one colour.
 * 2. Background grows from the border through 4-connected pixels within a tolerance of one of
 *    those colours (a flood fill). Background enclosed by the subject (the inside of a ring, the
 *    gap under an arm) is not reached and stays; so do subject parts of the background's colour
 *    that touch it (a white shirt on white) — the fill cannot tell them apart.
 * 3. Foreground specks (noise the fill went around) are dropped. Above WORKING_SIDE, the mask is
 *    scaled up and its edge band re-decided per full-size pixel by its colour: transparent
 *    within a background colour's tolerance, opaque beyond twice it, a ramp between; lone
 *    pixels that disagree with their neighbours are noise. Then the edge is feathered.
 *
 * It degrades to "remove nothing" (an all-opaque mask) when the border is not mostly one to
 * three colours, when the fill would leave almost nothing (a uniform image), and when the
 * border is already transparent (the existing alpha is kept by the caller).
 *
 * Cost (scripts/bench-segment.ts, 2 vCPUs, warm): 1080p ≈ 0.12 s, 12 MP ≈ 0.35 s, 50 MP ≈ 1 s,
 * on top of the decode; memory ≈ +40 MB at 12 MP, +200 MB at 50 MP. One downscale, median and
 * fill over ≤ 0.45 MP; at full size only a row-template copy, the edge band and a blur.
 */
export const classicalSegmenter = (): Segmenter => ({
  kind: 'classical',
  foregroundMask: classicalMask,
});

/** Longest side of the copy the background is searched on. */
export const WORKING_SIDE = 768;
/** Colours further apart than this (Euclidean, 8-bit RGB) are never the same background. */
const CLUSTER_RADIUS = 48;
/** Tolerance of a background colour: BASE plus SPREAD × its RMS spread on the border, capped. */
const TOLERANCE_BASE = 20;
const TOLERANCE_SPREAD = 2.5;
const TOLERANCE_MAX = 64;
/** Share of the border the main colour must cover, and each further one. */
const FIRST_SHARE = 0.3;
const OTHER_SHARE = 0.15;
const MAX_COLOURS = 3;
/** Share of the border that background colours and transparency must cover together. */
const COVERED_SHARE = 0.6;
/** Below this alpha a pixel already counts as background. */
const TRANSPARENT_BELOW = 128;
/** Foreground smaller than this share of the image is noise, or there is no subject at all. */
const SPECK_SHARE = 0.0002;
const MIN_SUBJECT_SHARE = 0.001;

interface BackgroundColour {
  r: number;
  g: number;
  b: number;
  /** Largest Euclidean RGB distance still counted as this colour. */
  tolerance: number;
}

const classicalMask = async (image: RgbaImage): Promise<Uint8Array> => {
  const { width, height } = image;
  const opaque = () => new Uint8Array(width * height).fill(255);
  const scale = Math.min(1, WORKING_SIDE / Math.max(width, height));
  const working = await workingCopy(image, scale);

  const palette = backgroundPalette(ringPixels(working, 2));
  if (!palette) return opaque();
  const background = fillFromBorder(working, palette);
  dropSpecks(background, working.width, working.height);
  let foreground = 0;
  for (const isBackground of background) if (!isBackground) foreground++;
  if (foreground < MIN_SUBJECT_SHARE * background.length) return opaque();

  let mask: Mask;
  if (scale < 1) {
    // The working copy was smoothed and reduced, so its spread underestimates full-size noise.
    const fullPalette = fitTolerances(palette, ringPixels(image, 2));
    mask = scaleUp(background, working, image, fullPalette);
  } else {
    const data = new Uint8Array(background.length);
    for (let index = 0; index < data.length; index++) data[index] = background[index] ? 0 : 255;
    mask = { data, width, height };
  }
  return (await featherMask(mask)).data;
};

const workingCopy = async (image: RgbaImage, scale: number): Promise<RgbaImage> => {
  const { width, height } = image;
  const target = {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
  let pipeline = sharp(image.data, { raw: { width, height, channels: 4 } });
  // Linear after libvips' box shrink: it averages noise away as well as Lanczos, and is quicker.
  if (scale < 1) pipeline = pipeline.resize(target.width, target.height, { fit: 'fill', kernel: 'linear' });
  if (Math.min(target.width, target.height) >= 3) pipeline = pipeline.median(3);
  const data = await pipeline.raw().toBuffer();
  return { data, ...target };
};

/** The pixels (RGBA) of a ring `thickness` wide along the edges. */
const ringPixels = ({ data, width, height }: RgbaImage, thickness: number): Uint8Array => {
  const t = Math.max(1, Math.min(thickness, Math.floor(Math.min(width, height) / 2)));
  const inner = Math.max(0, width - 2 * t) * Math.max(0, height - 2 * t);
  const out = new Uint8Array((width * height - inner) * 4);
  let to = 0;
  const copy = (from: number, pixels: number) => {
    out.set(data.subarray(from * 4, (from + pixels) * 4), to);
    to += pixels * 4;
  };
  for (let y = 0; y < height; y++) {
    if (y < t || y >= height - t) {
      copy(y * width, width);
    } else {
      copy(y * width, t);
      copy(y * width + width - t, t);
    }
  }
  return out;
};

/**
 * Up to MAX_COLOURS background colours from the ring, or undefined when the ring is not mostly
 * background-like (busy, or already transparent). Each colour is found at the densest cell of a
 * coarse colour histogram and pulled to the mean of the pixels within CLUSTER_RADIUS.
 */
const backgroundPalette = (ring: Uint8Array): BackgroundColour[] | undefined => {
  const total = ring.length / 4;
  if (total === 0) return undefined;
  const colours: number[][] = [];
  let transparent = 0;
  for (let at = 0; at < ring.length; at += 4) {
    if ((ring[at + 3] ?? 0) < TRANSPARENT_BELOW) transparent++;
    else colours.push([ring[at] ?? 0, ring[at + 1] ?? 0, ring[at + 2] ?? 0]);
  }
  // A cut-out already: its alpha says what the background is.
  if (transparent / total >= COVERED_SHARE) return undefined;

  const palette: BackgroundColour[] = [];
  let remaining = colours;
  let covered = transparent / total;
  while (palette.length < MAX_COLOURS && remaining.length > 0) {
    let centre = densest(remaining);
    let members: number[][] = [];
    for (let round = 0; round < 3; round++) {
      members = remaining.filter((colour) => distance2(colour, centre) <= CLUSTER_RADIUS ** 2);
      if (members.length === 0) break;
      centre = mean(members);
    }
    const share = members.length / total;
    if (share < (palette.length === 0 ? FIRST_SHARE : OTHER_SHARE)) break;
    palette.push(withTolerance(centre, members));
    covered += share;
    remaining = remaining.filter((colour) => distance2(colour, centre) > CLUSTER_RADIUS ** 2);
  }
  return palette.length > 0 && covered >= COVERED_SHARE ? palette : undefined;
};

/** The palette's colours with tolerances measured on other pixels of the same ring. */
const fitTolerances = (palette: BackgroundColour[], ring: Uint8Array): BackgroundColour[] =>
  palette.map((colour) => {
    let count = 0;
    let sum = 0;
    for (let at = 0; at < ring.length; at += 4) {
      if ((ring[at + 3] ?? 0) < TRANSPARENT_BELOW) continue;
      const d2 =
        ((ring[at] ?? 0) - colour.r) ** 2 +
        ((ring[at + 1] ?? 0) - colour.g) ** 2 +
        ((ring[at + 2] ?? 0) - colour.b) ** 2;
      if (d2 > CLUSTER_RADIUS ** 2) continue;
      count++;
      sum += d2;
    }
    return count > 0 ? { ...colour, tolerance: tolerance(Math.sqrt(sum / count)) } : colour;
  });

const withTolerance = (centre: number[], members: number[][]): BackgroundColour => {
  const spread = Math.sqrt(
    members.reduce((sum, colour) => sum + distance2(colour, centre), 0) / members.length,
  );
  return { r: centre[0] ?? 0, g: centre[1] ?? 0, b: centre[2] ?? 0, tolerance: tolerance(spread) };
};

const tolerance = (spread: number): number =>
  Math.min(TOLERANCE_MAX, TOLERANCE_BASE + TOLERANCE_SPREAD * spread);

/** Centre of the fullest 3×3×3 block of a 16-level-per-channel histogram. */
const densest = (colours: number[][]): number[] => {
  const bin = (colour: number[]) =>
    ((colour[0] ?? 0) >> 4) * 256 + ((colour[1] ?? 0) >> 4) * 16 + ((colour[2] ?? 0) >> 4);
  const counts = new Uint32Array(4096);
  for (const colour of colours) counts[bin(colour)] = (counts[bin(colour)] ?? 0) + 1;
  let best = 0;
  let bestScore = -1;
  for (let cell = 0; cell < 4096; cell++) {
    if (!counts[cell]) continue;
    const [r, g, b] = [cell >> 8, (cell >> 4) & 15, cell & 15];
    let score = 0;
    for (let dr = -1; dr <= 1; dr++)
      for (let dg = -1; dg <= 1; dg++)
        for (let db = -1; db <= 1; db++) {
          const [nr, ng, nb] = [r + dr, g + dg, b + db];
          if (nr >= 0 && nr < 16 && ng >= 0 && ng < 16 && nb >= 0 && nb < 16)
            score += counts[nr * 256 + ng * 16 + nb] ?? 0;
        }
    if (score > bestScore) {
      bestScore = score;
      best = cell;
    }
  }
  return [(best >> 8) * 16 + 8, ((best >> 4) & 15) * 16 + 8, (best & 15) * 16 + 8];
};

const mean = (colours: number[][]): number[] =>
  [0, 1, 2].map(
    (channel) => colours.reduce((sum, colour) => sum + (colour[channel] ?? 0), 0) / colours.length,
  );

const distance2 = (a: number[], b: number[]): number =>
  ((a[0] ?? 0) - (b[0] ?? 0)) ** 2 + ((a[1] ?? 0) - (b[1] ?? 0)) ** 2 + ((a[2] ?? 0) - (b[2] ?? 0)) ** 2;

/** Whether the pixel at byte offset `at` of RGBA `data` is background-coloured or transparent. */
const isBackgroundAt = (data: Uint8Array, at: number, palette: BackgroundColour[]): boolean => {
  if ((data[at + 3] ?? 0) < TRANSPARENT_BELOW) return true;
  const r = data[at] ?? 0;
  const g = data[at + 1] ?? 0;
  const b = data[at + 2] ?? 0;
  for (const colour of palette) {
    if ((r - colour.r) ** 2 + (g - colour.g) ** 2 + (b - colour.b) ** 2 <= colour.tolerance ** 2) return true;
  }
  return false;
};

/** The 4-neighbour of `index` (column `x`) on `side` 0–3 (left, right, up, down), or −1. */
const neighbour = (index: number, x: number, side: number, width: number, last: number): number => {
  switch (side) {
    case 0:
      return x > 0 ? index - 1 : -1;
    case 1:
      return x < width - 1 ? index + 1 : -1;
    case 2:
      return index >= width ? index - width : -1;
    default:
      return index < last ? index + width : -1;
  }
};

/** 1 where background reached from the outermost pixels, 4-connected. */
const fillFromBorder = ({ data, width, height }: RgbaImage, palette: BackgroundColour[]): Uint8Array => {
  const background = new Uint8Array(width * height);
  const queue = new Int32Array(width * height);
  let head = 0;
  let tail = 0;
  const visit = (index: number) => {
    if (background[index] || !isBackgroundAt(data, index * 4, palette)) return;
    background[index] = 1;
    queue[tail++] = index;
  };
  for (let x = 0; x < width; x++) {
    visit(x);
    visit((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    visit(y * width);
    visit(y * width + width - 1);
  }
  const last = (height - 1) * width;
  while (head < tail) {
    const index = queue[head++] ?? 0;
    const x = index % width;
    for (let side = 0; side < 4; side++) {
      const next = neighbour(index, x, side, width, last);
      if (next >= 0 && !background[next] && isBackgroundAt(data, next * 4, palette)) {
        background[next] = 1;
        queue[tail++] = next;
      }
    }
  }
  return background;
};

/** Turns foreground components smaller than SPECK_SHARE of the image into background. */
const dropSpecks = (background: Uint8Array, width: number, height: number): void => {
  const limit = Math.max(4, SPECK_SHARE * width * height);
  const seen = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  const component = new Int32Array(Math.ceil(limit));
  const last = (height - 1) * width;
  for (let start = 0; start < background.length; start++) {
    if (background[start] || seen[start]) continue;
    let top = 0;
    let size = 0;
    stack[top++] = start;
    seen[start] = 1;
    while (top > 0) {
      const index = stack[--top] ?? 0;
      if (size < component.length) component[size] = index;
      size++;
      const x = index % width;
      for (let side = 0; side < 4; side++) {
        const next = neighbour(index, x, side, width, last);
        if (next >= 0 && !background[next] && !seen[next]) {
          seen[next] = 1;
          stack[top++] = next;
        }
      }
    }
    if (size < limit) for (let k = 0; k < size; k++) background[component[k] ?? 0] = 1;
  }
};

/**
 * The working mask at full size. A full-size pixel takes the value of the four working pixels
 * around it when they agree and none is on the working edge; the rest — a band about three
 * working pixels wide along the edge — is decided by its own full-size colour. Full-size rows
 * between the same two working rows share one template, so only band pixels cost more than a
 * copy: ≈ 40 ms at 12 MP, where libvips scaling the mask alone takes ≈ 0.15 s.
 */
const scaleUp = (
  background: Uint8Array,
  working: Dimensions,
  image: RgbaImage,
  palette: BackgroundColour[],
): Mask => {
  const { width, height, data } = image;
  const edge = edgeOf(background, working.width, working.height);
  const columns = samplePositions(width, working.width);
  const rows = samplePositions(height, working.height);
  const mask = new Uint8Array(width * height);
  const template = new Uint8Array(width);
  const templateBand = new Int32Array(width);
  let templateBandLength = 0;
  let templateRows = -1;
  const band: number[] = [];
  for (let y = 0; y < height; y++) {
    const top = (rows.low[y] ?? 0) * working.width;
    const bottom = (rows.high[y] ?? 0) * working.width;
    const key = top * working.height + bottom;
    if (key !== templateRows) {
      templateRows = key;
      templateBandLength = 0;
      for (let x = 0; x < width; x++) {
        const left = columns.low[x] ?? 0;
        const right = columns.high[x] ?? 0;
        if (edge[top + left] || edge[top + right] || edge[bottom + left] || edge[bottom + right]) {
          templateBand[templateBandLength++] = x;
        }
        template[x] = background[top + left] ? 0 : 255;
      }
    }
    const row = y * width;
    mask.set(template, row);
    for (let k = 0; k < templateBandLength; k++) {
      const index = row + (templateBand[k] ?? 0);
      mask[index] = edgeAlpha(data, index * 4, palette);
      band.push(index);
    }
  }
  dropLoneEdgePixels(mask, width, height, band);
  return { data: mask, width, height };
};

/**
 * Alpha of an edge pixel from its colour: 0 within a background colour's tolerance, 255 beyond
 * twice it, a ramp between. The ramp softens anti-aliased edges, and a pixel that JPEG ringing
 * pushed just past the tolerance stays faint instead of becoming an opaque speck.
 */
const edgeAlpha = (data: Uint8Array, at: number, palette: BackgroundColour[]): number => {
  if ((data[at + 3] ?? 0) < TRANSPARENT_BELOW) return 0;
  const r = data[at] ?? 0;
  const g = data[at + 1] ?? 0;
  const b = data[at + 2] ?? 0;
  let nearest = Number.POSITIVE_INFINITY;
  for (const colour of palette) {
    const ratio =
      Math.sqrt((r - colour.r) ** 2 + (g - colour.g) ** 2 + (b - colour.b) ** 2) / colour.tolerance;
    if (ratio < nearest) nearest = ratio;
  }
  return Math.round(255 * Math.min(1, Math.max(0, nearest - 1)));
};

/**
 * A band pixel that disagrees with at least 7 of its 8 neighbours (a lone opaque dot in the
 * background, a lone hole in the subject) takes their side: noise, not shape.
 */
const dropLoneEdgePixels = (mask: Uint8Array, width: number, height: number, band: number[]): void => {
  const decided = band.map((index) => {
    const x = index % width;
    if (x === 0 || x === width - 1 || index < width || index >= (height - 1) * width) return -1;
    const opaque = (mask[index] ?? 0) >= 128;
    let agreeing = 0;
    for (let dy = -width; dy <= width; dy += width) {
      for (let dx = -1; dx <= 1; dx++) {
        if ((dy || dx) && (mask[index + dy + dx] ?? 0) >= 128 === opaque) agreeing++;
      }
    }
    return agreeing <= 1 ? (opaque ? 0 : 255) : -1;
  });
  decided.forEach((value, k) => {
    if (value >= 0) mask[band[k] ?? 0] = value;
  });
};

interface Dimensions {
  width: number;
  height: number;
}

/** 1 where a working pixel differs from one of its 4-neighbours (both sides of the edge). */
const edgeOf = (background: Uint8Array, width: number, height: number): Uint8Array => {
  const edge = new Uint8Array(background.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const index = y * width + x;
      const value = background[index];
      if (
        (x > 0 && background[index - 1] !== value) ||
        (x < width - 1 && background[index + 1] !== value) ||
        (y > 0 && background[index - width] !== value) ||
        (y < height - 1 && background[index + width] !== value)
      ) {
        edge[index] = 1;
      }
    }
  }
  return edge;
};

/** For each full-size position, the working positions on either side of its centre. */
const samplePositions = (full: number, working: number) => {
  const low = new Int32Array(full);
  const high = new Int32Array(full);
  for (let at = 0; at < full; at++) {
    const position = ((at + 0.5) * working) / full - 0.5;
    const below = Math.floor(position);
    low[at] = Math.min(working - 1, Math.max(0, below));
    high[at] = Math.min(working - 1, Math.max(0, below + 1));
  }
  return { low, high };
};
