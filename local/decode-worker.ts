import { parentPort } from 'node:worker_threads';
import { INLINE_JS_DECODERS } from '#core/images/js-decoders';
import type { DecodeJob, DecodeResult } from '#local/js-decoder-pool';

/** One thread of the pool in js-decoder-pool.ts: runs the inline decoders, one job at a time. */
parentPort?.on('message', async (job: DecodeJob) => {
  let result: DecodeResult;
  try {
    const value =
      job.kind === 'heic'
        ? await INLINE_JS_DECODERS.heic(job.bytes, job.index, job.limits)
        : await INLINE_JS_DECODERS[job.kind](job.bytes);
    result = { value };
  } catch (error) {
    const { name, message } = error as Error;
    result = { error: { name, message } };
  }
  parentPort?.postMessage(result);
});
