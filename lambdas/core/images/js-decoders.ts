import decodeBmp from 'decode-bmp';
import decodeIco from 'decode-ico';
import { assertWithinLimits, type ImageLimits } from './limits.ts';
import type { RgbaPixels } from './rgba.ts';

/** One image of an ICO: an embedded PNG's bytes as they are, or a DIB decoded to RGBA. */
export type IcoEntry =
  | { type: 'png'; width: number; height: number; data: Uint8Array }
  | ({ type: 'bmp' } & RgbaPixels);

/**
 * The decoders written in JavaScript or WebAssembly, for the formats libvips cannot read. They run
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
}

export const INLINE_JS_DECODERS: JsDecoders = {
  bmp: async (bytes) => {
    const { width, height, data } = decodeBmp(bytes);
    return { width, height, data };
  },
  ico: async (bytes) =>
    decodeIco(bytes).map((image) =>
      image.type === 'png'
        ? { type: 'png', width: image.width, height: image.height, data: image.data }
        : { type: 'bmp', width: image.width, height: image.height, data: image.data },
    ),
  heic: async (bytes, index, limits) => {
    // Loaded on the first HEIC only: libheif is 2 MB of WebAssembly no other upload needs at start.
    const { default: heicDecode } = await import('heic-decode');
    const images = await heicDecode.all({ buffer: bytes });
    try {
      const image = images[index] ?? images[0];
      if (!image) throw new Error('HEIF file holds no image');
      assertWithinLimits(image.width, image.height, limits);
      const { width, height, data } = await image.decode();
      return { width, height, data };
    } finally {
      images.dispose();
    }
  },
};

let current: JsDecoders = INLINE_JS_DECODERS;

/** The decoders this process uses: inline unless its composition chose otherwise. */
export const jsDecoders = (): JsDecoders => current;

/** For a process serving concurrent requests: run the decoders elsewhere (see local/). */
export const useJsDecoders = (decoders: JsDecoders): void => {
  current = decoders;
};
