import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { IcoEntry, JsDecoders } from '#core/images/js-decoders';
import type { ImageLimits } from '#core/images/limits';
import { ImageRejected } from '#core/images/rejected';
import type { RgbaPixels } from '#core/images/rgba';
import type { ReadSvg } from '#core/images/svg-drawing';

/** What a thread is asked to decode. */
export type DecodeJob = { bytes: Uint8Array } & (
  | { kind: 'bmp' | 'ico' | 'svg' }
  | { kind: 'heic'; index: number; limits: ImageLimits }
);
/** What a thread answers with. */
export type Decoded = RgbaPixels | IcoEntry[] | ReadSvg;
export type DecodeResult =
  | { value: Decoded; error?: undefined }
  | { error: { name: string; message: string } };

interface Pending {
  job: DecodeJob;
  resolve(value: Decoded): void;
  reject(error: Error): void;
}

/**
 * The JavaScript decoders on worker threads, for the local runtime: one process serves every
 * request there, and a BMP decoding on the main thread for a second would stall them all. Threads
 * start on first use and never keep the process alive; a job waits while every thread is busy.
 */
export const workerJsDecoders = (threads = availableParallelism()): JsDecoders => {
  const idle: Worker[] = [];
  const busy = new Map<Worker, Pending>();
  const queue: Pending[] = [];

  const spawnWorker = (): Worker => {
    // The worker is TypeScript like the rest of the runtime: tsx loads it as it loads us.
    const worker = new Worker(new URL('./decode-worker.ts', import.meta.url), {
      execArgv: ['--import', 'tsx'],
    });
    worker.unref();
    worker.on('message', (result: DecodeResult) => {
      const pending = busy.get(worker);
      busy.delete(worker);
      if (pending) settle(pending, result);
      idle.push(worker);
      dispatch();
    });
    // A thread that dies (out of memory, say) fails its job and is replaced on demand.
    const fail = (error: Error) => {
      const pending = busy.get(worker);
      busy.delete(worker);
      pending?.reject(error);
      dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`decoder thread exited with ${code}`)));
    return worker;
  };

  const dispatch = () => {
    while (queue.length > 0 && (idle.length > 0 || busy.size < threads)) {
      const pending = queue.shift() as Pending;
      const worker = idle.pop() ?? spawnWorker();
      busy.set(worker, pending);
      worker.postMessage(pending.job);
    }
  };

  const run = <T extends Decoded>(job: DecodeJob): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({
        job,
        resolve: resolve as Pending['resolve'],
        reject,
      });
      dispatch();
    });

  return {
    bmp: (bytes) => run({ kind: 'bmp', bytes }),
    ico: (bytes) => run({ kind: 'ico', bytes }),
    svg: (bytes) => run({ kind: 'svg', bytes }),
    heic: (bytes, index, limits) => run({ kind: 'heic', bytes, index, limits }),
  };
};

let shared: JsDecoders | undefined;

/** One pool per process, however many runtimes it starts (the tests start several). */
export const sharedJsDecoderPool = (): JsDecoders => {
  shared ??= workerJsDecoders();
  return shared;
};

const settle = (pending: Pending, result: DecodeResult) => {
  if (result.error === undefined) return pending.resolve(result.value);
  const { name, message } = result.error;
  // Limits are checked inside the heic decoder: a refusal stays a refusal across the thread.
  pending.reject(name === 'ImageRejected' ? new ImageRejected(message) : new Error(message));
};
