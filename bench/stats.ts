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
 * Runs `a` and `b` in pairs, first one then the other, the order flipping every pair (ABBA), so
 * both see the same machine: on a shared 2-core box a noisy neighbour, a JIT pause or a collection
 * left behind by the previous task lands on both series instead of biasing one. Each task gets the
 * pair's index (to vary its input per pair, the same for both). `before`, untimed, runs ahead of
 * every pair (to reset state both tasks must start from, such as a stored variant).
 */
export const measurePaired = async (
  a: (index: number) => Promise<unknown>,
  b: (index: number) => Promise<unknown>,
  count: number,
  warmup = 5,
  before: (index: number) => Promise<unknown> = async () => undefined,
): Promise<[number[], number[]]> => {
  for (let i = 0; i < warmup; i++) {
    await before(-1 - i);
    await a(-1 - i);
    await b(-1 - i);
  }
  const samples: [number[], number[]] = [[], []];
  const timed = async (task: (index: number) => Promise<unknown>, index: number, into: number[]) => {
    const start = performance.now();
    await task(index);
    into.push(performance.now() - start);
  };
  for (let i = 0; i < count; i++) {
    await before(i);
    if (i % 2 === 0) {
      await timed(a, i, samples[0]);
      await timed(b, i, samples[1]);
    } else {
      await timed(b, i, samples[1]);
      await timed(a, i, samples[0]);
    }
  }
  return samples;
};

/** The median of the pairs' ratios a/b: the pairing kept, not two medians of unrelated samples. */
export const pairedRatio = ([a, b]: [number[], number[]]): number =>
  percentile(
    a.map((value, i) => value / (b[i] ?? Number.NaN)),
    50,
  );
