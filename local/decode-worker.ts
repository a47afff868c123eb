import { parentPort } from 'node:worker_threads';
import { decodeBmpInline } from '#core/images/bmp';
import { decodeHeicInline } from '#core/images/heic';
import { decodeIcoInline } from '#core/images/ico';
import { readSvgInline } from '#core/images/svg';
import type { DecodeJob, DecodeResult } from '#local/js-decoder-pool';

const INLINE = { bmp: decodeBmpInline, ico: decodeIcoInline, svg: readSvgInline };

/** One thread of the pool in js-decoder-pool.ts: runs the inline decoders, one job at a time. */
parentPort?.on('message', async (job: DecodeJob) => {
  let result: DecodeResult;
  try {
    const value =
      job.kind === 'heic'
        ? await decodeHeicInline(job.bytes, job.index, job.limits)
        : await INLINE[job.kind](job.bytes);
    result = { value };
  } catch (error) {
    const { name, message } = error as Error;
    result = { error: { name, message } };
  }
  parentPort?.postMessage(result);
});
