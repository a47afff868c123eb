import * as z from '#core/zod-mini';

/**
 * The plan catalogue of the reference's "Plans & Pricing" table. Sizes are binary units
 * (1 MB = 2^20 bytes). A deployment may override any number through the PLANS setting.
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

export type PlanCatalogue = Record<PlanName, Plan>;

const paid = (uploadsPerMonth: number, storageBytes: number): Plan => ({
  uploadsPerMonth,
  storageBytes,
  maxFileBytes: 70 * MB,
  maxSvgBytes: 10 * MB,
  retentionSeconds: undefined,
});

export const DEFAULT_PLANS: PlanCatalogue = {
  free: paid(100, 5 * GB),
  pro: paid(1_000, 50 * GB),
  scale: paid(10_000, 500 * GB),
  max: paid(100_000, 5 * 1024 * GB),
};

/** Anonymous callers: rate limited per IP rather than counted, 30-day retention, 20 MB files. */
export const ANONYMOUS_PLAN: Plan = {
  uploadsPerMonth: Number.POSITIVE_INFINITY,
  storageBytes: Number.POSITIVE_INFINITY,
  maxFileBytes: 20 * MB,
  maxSvgBytes: 10 * MB,
  retentionSeconds: 30 * DAY,
};

export const isPlanName = (value: string): value is PlanName =>
  (PLAN_NAMES as readonly string[]).includes(value);

/** The plan a team is sent to when it outgrows `plan` (the largest stays where it is). */
export const nextPlan = (plan: PlanName): PlanName =>
  PLAN_NAMES[Math.min(PLAN_NAMES.indexOf(plan) + 1, PLAN_NAMES.length - 1)] ?? plan;

const count = z.optional(z.number().check(z.int(), z.minimum(0)));
const PlanOverride = z.strictObject({
  uploadsPerMonth: count,
  storageBytes: count,
  maxFileBytes: count,
  maxSvgBytes: count,
});

/** `PLANS` setting: JSON like `{"free":{"uploadsPerMonth":500}}`, merged over the defaults. */
export const PlanOverrides = z.partialRecord(z.enum(PLAN_NAMES), PlanOverride);

export const planCatalogue = (overrides: z.output<typeof PlanOverrides>): PlanCatalogue => {
  const catalogue = { ...DEFAULT_PLANS };
  for (const name of PLAN_NAMES) catalogue[name] = { ...catalogue[name], ...overrides[name] };
  return catalogue;
};

/** The largest file any caller may send: the local gateway caps request bodies just above it. */
export const MAX_UPLOAD_BYTES = Math.max(
  ANONYMOUS_PLAN.maxFileBytes,
  ...Object.values(DEFAULT_PLANS).map((plan) => plan.maxFileBytes),
);
