/**
 * The plan catalogue of the reference's "Plans & Pricing" table. Sizes are binary units
 * (1 MB = 2^20 bytes), as the hosted service counts them.
 */
const MB = 1024 ** 2;
const GB = 1024 ** 3;
const DAY = 86_400;

export const PLAN_NAMES = ['free', 'pro', 'scale', 'max'] as const;
export type PlanName = (typeof PLAN_NAMES)[number];

export interface Plan {
  uploadsPerMonth: number;
  storageBytes: number;
  maxFileBytes: number;
  /** SVG is capped lower: it is parsed as XML, whose cost grows faster than its size. */
  maxSvgBytes: number;
  /** Seconds an upload lives at most; undefined = permanent unless a ttl is asked for. */
  retentionSeconds: number | undefined;
}

export const PLANS: Record<PlanName, Plan> = {
  free: plan(100, 5 * GB),
  pro: plan(1_000, 50 * GB),
  scale: plan(10_000, 500 * GB),
  max: plan(100_000, 5 * 1024 * GB),
};

/** Anonymous callers: rate limited per IP rather than counted, 30-day retention, 20 MB files. */
export const ANONYMOUS_PLAN: Plan = {
  uploadsPerMonth: Number.POSITIVE_INFINITY,
  storageBytes: Number.POSITIVE_INFINITY,
  maxFileBytes: 20 * MB,
  maxSvgBytes: 10 * MB,
  retentionSeconds: 30 * DAY,
};

function plan(uploadsPerMonth: number, storageBytes: number): Plan {
  return {
    uploadsPerMonth,
    storageBytes,
    maxFileBytes: 70 * MB,
    maxSvgBytes: 10 * MB,
    retentionSeconds: undefined,
  };
}

export const isPlanName = (value: string): value is PlanName =>
  (PLAN_NAMES as readonly string[]).includes(value);

/** The largest file any caller may send: the local gateway and the multipart parser cap reads at it. */
export const MAX_UPLOAD_BYTES = Math.max(
  ANONYMOUS_PLAN.maxFileBytes,
  ...Object.values(PLANS).map((p) => p.maxFileBytes),
);
