import type { PlanName } from '#core/plans';

export interface Team {
  id: string;
  name: string;
  plan: PlanName;
  createdAtMs: number;
  storageUsedBytes: number;
  mediaStored: number;
}
