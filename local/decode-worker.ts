import { parentPort } from 'node:worker_threads';
import { decodeBmpInline } from '#core/images/bmp';
import { decodeHeicInline } from '#core/images/heic';
import { decodeIcoInline } from '#core/images/ico';
import { readSvgInline } from '#core/images/svg';
import type { Decoded, DecodeJob, DecodeResult } from '#local/js-decoder-pool';

const INLINE = { bmp: decodeBmpInline, ico: decodeIcoInline, svg: readSvgInline };

/** One thread of the pool in js-decoder-pool.ts: runs the inline decoders, one job at a time. */
parentPort?.on('message', async (job: DecodeJob) => {
  let result: DecodeResult;
  let transfer: ArrayBuffer[] = [];
  try {
    const value =
      job.kind === 'heic'
        ? await decodeHeicInline(job.bytes, job.index, job.limits)
        : await INLINE[job.kind](job.bytes);
    result = { value };
    transfer = buffersOf(value);
  } catch (error) {
    const { name, message } = error as Error;
    result = { error: { name, message } };
  }
  parentPort?.postMessage(result, transfer);
});

/**
 * Pixel buffers are moved to the main thread, not copied: copying 64 MB of RGBA there would hold
 * its event loop for tens of milliseconds. The job's own copy of the input may go with them.
 */
const buffersOf = (value: Decoded): ArrayBuffer[] => {
  const arrays = Array.isArray(value)
    ? value.map((entry) => entry.data)
    : ['data' in value ? value.data : value.document];
  const buffers = arrays.flatMap((array) => (array?.buffer instanceof ArrayBuffer ? [array.buffer] : []));
  return [...new Set(buffers)];
};
