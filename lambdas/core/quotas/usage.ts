import { unixSeconds } from '#core/clock';
import type { Plan, PlanName } from '#core/plans';
import type { TeamQuota } from '#core/quotas/state';

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

/** The team's quota state, as `GET /v1/usage` and every upload answer report it. */
export const teamQuotaState = (usage: TeamUsage, plan: Plan, nowMs: number): TeamQuota => ({
  kind: 'team',
  plan: usage.plan,
  mediaStored: usage.mediaStored,
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
