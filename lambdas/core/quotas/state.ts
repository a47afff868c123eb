import type { PlanName } from '#core/plans';

/** A team's consumption against its plan: what `GET /v1/usage` and every upload answer report. */
export interface TeamQuota {
  kind: 'team';
  plan: PlanName;
  mediaStored: number;
  monthly: { uploads: number; limit: number; remaining: number; resetsAt: number };
  storage: { used: number; limit: number; remaining: number };
}

/** An anonymous client's standing in its hourly and daily windows. */
export interface AnonymousQuota {
  kind: 'anonymous';
  hourly: { limit: number; remaining: number; resetsAt: number };
  daily: { limit: number; remaining: number; resetsAt: number };
}

/** The caller's quota or rate-limit state. */
export type QuotaState = TeamQuota | AnonymousQuota;
