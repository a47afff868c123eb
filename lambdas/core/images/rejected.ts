/**
 * An image ingest will not accept, and why, in words for whoever sent it: a format we do not take,
 * dimensions beyond the limits, data that does not decode. The service that asked decides what that
 * means for its caller (a 422 on the upload's `file`, or on an import's `url`).
 */
export class ImageRejected extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'ImageRejected';
  }
}
