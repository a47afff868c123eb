// heic-decode ships no types; this covers the part of its API we use.
declare module 'heic-decode' {
  interface DecodedImage {
    width: number;
    height: number;
    /** RGBA, 8 bits per channel. */
    data: Uint8ClampedArray;
  }

  interface PendingImage {
    /** Known from the container before anything is decoded. */
    width: number;
    height: number;
    decode(): Promise<DecodedImage>;
  }

  interface DecodeInput {
    buffer: Uint8Array;
  }

  function decode(input: DecodeInput): Promise<DecodedImage>;

  namespace decode {
    /** Top-level images of the file, parsed but not decoded; `dispose` frees the decoder. */
    function all(input: DecodeInput): Promise<PendingImage[] & { dispose(): void }>;
  }

  export = decode;
}
