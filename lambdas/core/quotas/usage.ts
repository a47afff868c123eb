import { unixSeconds } from '#core/clock';
import type { QuotaState } from '#core/errors';
import type { Plan, PlanName } from '#core/plans';

/** A team's consumption as the counters record it. */
export interface TeamUsage {
  plan: PlanName;
  uploads: number;
  storageUsedBytes: number;
  mediaStored: number;
}

/** Monthly quotas count per UTC calendar month (`yyyy-mm`). */
export const utcMonth = (ms: number): string => new Date(ms).toISOString().slice(0, 7);

/** The first second of the next UTC month, when monthly counts start again. */
export const nextMonthStart = (ms: number): number => {
  const now = new Date(ms);
  return unixSeconds(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
};

const remaining = (limit: number, used: number) => Math.max(0, limit - used);

/** GET /v1/usage — exactly the reference's shape. */
export const usageBody = (usage: TeamUsage, plan: Plan, nowMs: number) => ({
  monthly: {
    uploads: usage.uploads,
    uploads_limit: plan.uploadsPerMonth,
    uploads_remaining: remaining(plan.uploadsPerMonth, usage.uploads),
    resets_at: nextMonthStart(nowMs),
  },
  totals: {
    media_stored: usage.mediaStored,
    storage_used_bytes: usage.storageUsedBytes,
    storage_limit_bytes: plan.storageBytes,
    storage_remaining_bytes: remaining(plan.storageBytes, usage.storageUsedBytes),
  },
  plan: usage.plan,
});
export type UsageBody = ReturnType<typeof usageBody>;

/** The team's quota state, as every upload answer reports it. */
export const teamQuotaState = (usage: TeamUsage, plan: Plan, nowMs: number): QuotaState => ({
  kind: 'team',
  monthly: {
    uploads: usage.uploads,
    limit: plan.uploadsPerMonth,
    remaining: remaining(plan.uploadsPerMonth, usage.uploads),
    resetsAt: nextMonthStart(nowMs),
  },
  storage: {
    used: usage.storageUsedBytes,
    limit: plan.storageBytes,
    remaining: remaining(plan.storageBytes, usage.storageUsedBytes),
  },
});
