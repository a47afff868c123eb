/** Small statistics for benchmarks: percentiles over measured durations (milliseconds). */
export const percentile = (samples: number[], p: number): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
};

export const summarise = (samples: number[]) => ({
  n: samples.length,
  p50: percentile(samples, 50),
  p95: percentile(samples, 95),
});

/** Runs `task` `warmup` times unmeasured, then `count` times measured, one at a time. */
export const measure = async (task: () => Promise<unknown>, count: number, warmup = 5): Promise<number[]> => {
  for (let i = 0; i < warmup; i++) await task();
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await task();
    samples.push(performance.now() - start);
  }
  return samples;
};

/**
 * Runs `a` and `b` alternately, so both see the same machine: on a shared 2-core box a noisy
 * neighbour or a JIT pause lands on both series instead of biasing whichever ran second.
 */
export const measurePaired = async (
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  count: number,
  warmup = 5,
): Promise<[number[], number[]]> => {
  for (let i = 0; i < warmup; i++) {
    await a();
    await b();
  }
  const samples: [number[], number[]] = [[], []];
  for (let i = 0; i < count; i++) {
    for (const [task, into] of [
      [a, samples[0]],
      [b, samples[1]],
    ] as const) {
      const start = performance.now();
      await task();
      into.push(performance.now() - start);
    }
  }
  return samples;
};

export const ms = (value: number): string => `${value.toFixed(1)} ms`;
