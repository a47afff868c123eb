import type { ImageLimits } from './limits.ts';
import type { RgbaPixels } from './rgba.ts';
import type { ReadSvg } from './svg-drawing.ts';

/** One image of an ICO: an embedded PNG's bytes as they are, or a DIB decoded to RGBA. */
export type IcoEntry =
  | { type: 'png'; width: number; height: number; data: Uint8Array }
  | ({ type: 'bmp' } & RgbaPixels);

/**
 * The decoders written in JavaScript or WebAssembly, for the formats libvips cannot read, and the SVG
 * reader. They run
 * synchronously, a second or more for a large image, and would stall every other request sharing
 * their thread. On Lambda an instance serves one request at a time, so they run inline there; a
 * process that serves many at once (the local runtime) gives them worker threads instead. Callers
 * check sizes against the limits from headers first, so nothing here allocates for a bomb.
 */
export interface JsDecoders {
  bmp(bytes: Uint8Array): Promise<RgbaPixels>;
  ico(bytes: Uint8Array): Promise<IcoEntry[]>;
  /** The HEIF image at `index` (sharp knows which is primary), checked against `limits` first. */
  heic(bytes: Uint8Array, index: number, limits: ImageLimits): Promise<RgbaPixels>;
  /** Sanitising and measuring an SVG is JavaScript too: about 1.3 s for 10 MB. */
  svg(bytes: Uint8Array): Promise<ReadSvg>;
}

let elsewhere: JsDecoders | undefined;

/**
 * The decoders to use instead of the inline ones (each format's module has its own, so a function
 * loads only the decoders it needs: the viewer never decodes HEIC); undefined on Lambda.
 */
export const offloadedDecoders = (): JsDecoders | undefined => elsewhere;

/** For a process serving concurrent requests: run the decoders elsewhere (see local/). */
export const useJsDecoders = (decoders: JsDecoders): void => {
  elsewhere = decoders;
};
