import type { Caller } from '#core/caller';
import { type Clock, unixSeconds } from '#core/clock';
import { contactAction, DomainError, type UpgradeAction } from '#core/errors';
import { ANONYMOUS_PLAN, nextPlan, type Plan, type PlanCatalogue, type PlanName } from '#core/plans';
import type { SecretSource } from '#core/platform/secrets';
import { type CountedWindow, type LimitName, LimitReached } from '#core/quotas/limits';
import { anonymousQuotaState, anonymousWindows, type WindowState } from '#core/quotas/rate-limits';
import type { QuotaRepository } from '#core/quotas/repository';
import type { QuotaState, TeamQuota } from '#core/quotas/state';
import { createUpgradeLink, UPGRADE_LINK_LIFETIME_SECONDS } from '#core/quotas/upgrade-links';
import { type TeamUsage, teamQuotaState, utcMonth } from '#core/quotas/usage';
import type { TeamRepository } from '#core/teams/repository';

export interface QuotaServiceDeps {
  teams: TeamRepository;
  quotas: QuotaRepository;
  clock: Clock;
  plans: PlanCatalogue;
  anonymousRateLimits: { hourly: number; daily: number };
  upgrade: { url: string; secret: SecretSource };
  /** Whom a team on the largest plan asks for more (no link can raise it). */
  operatorContact?: string | undefined;
}

/**
 * Admission to an upload: the caller's plan and usage as read when it started, and the limits its
 * count must stay within. `state()` is the caller's quota or rate-limit state as read.
 * `alreadyCounted`: the upload was counted before (a direct upload, when its intent was created).
 */
export type Admission =
  | {
      kind: 'team';
      teamId: string;
      plan: Plan;
      month: string;
      usage: TeamUsage;
      alreadyCounted: boolean;
      state(): QuotaState;
    }
  | {
      kind: 'anonymous';
      client: string;
      plan: Plan;
      month: string;
      windows: WindowState[];
      alreadyCounted: boolean;
      state(): QuotaState;
    };

/** An upload counted against its caller's limits. */
export interface Counted {
  /**
   * The caller's state as this upload's own count left it, once it stores `bytes` (without: nothing
   * stored yet). Parallel uploads each report their own place, never one shared re-read.
   */
  state(bytes?: number): QuotaState;
  /** The count back, for an upload that was never stored (best effort: a lost give-back over-counts). */
  giveBack(): Promise<void>;
}

export const createQuotaService = (deps: QuotaServiceDeps) => {
  const { teams, quotas, clock } = deps;

  /** The team's usage at `nowMs`: the month counted is the one the caller will write to. */
  const usageOf = async (teamId: string, nowMs: number): Promise<{ usage: TeamUsage; plan: Plan }> => {
    const [team, uploads] = await Promise.all([
      teams.get(teamId),
      quotas.monthlyUploads(teamId, utcMonth(nowMs)),
    ]);
    if (!team) throw new Error(`team ${teamId} of a valid key does not exist`);
    const usage = {
      plan: team.plan,
      uploads,
      storageUsedBytes: team.storageUsedBytes,
      mediaStored: team.mediaStored,
    };
    return { usage, plan: deps.plans[team.plan] };
  };

  /** A signed link to the plan after `plan`, for the team: what a reached quota offers. */
  const upgradeAction = async (teamId: string, plan: PlanName, nowMs: number): Promise<UpgradeAction> => {
    const target = nextPlan(plan);
    const url = createUpgradeLink(deps.upgrade.url, await deps.upgrade.secret(), {
      team: teamId,
      plan: target,
      expires: unixSeconds(nowMs) + UPGRADE_LINK_LIFETIME_SECONDS,
    });
    return { type: 'upgrade', url, label: `Upgrade to ${target}` };
  };

  /**
   * GET /v1/usage: the team's quota, and once its monthly uploads or storage are used up, the
   * upgrade action the next upload would be refused with (the signing key is read only then) —
   * unless it is on the largest plan already, which no link can raise.
   */
  const usage = async (teamId: string): Promise<{ quota: TeamQuota; upgrade?: UpgradeAction }> => {
    const nowMs = clock.nowMs();
    const current = await usageOf(teamId, nowMs);
    const quota = teamQuotaState(current.usage, current.plan, nowMs);
    const full = quota.monthly.remaining === 0 || quota.storage.remaining === 0;
    if (!full || nextPlan(quota.plan) === quota.plan) return { quota };
    return { quota, upgrade: await upgradeAction(teamId, quota.plan, nowMs) };
  };

  const teamAdmission = async (teamId: string, alreadyCounted: boolean): Promise<Admission> => {
    const nowMs = clock.nowMs();
    const { usage: current, plan } = await usageOf(teamId, nowMs);
    const admission: Admission = {
      kind: 'team',
      teamId,
      plan,
      month: utcMonth(nowMs),
      usage: current,
      alreadyCounted,
      state: () => teamQuotaState(current, plan, nowMs),
    };
    // Already over? Refuse before anything is read or decoded; counting and the transaction stay the
    // real guards.
    if (!alreadyCounted && current.uploads >= plan.uploadsPerMonth)
      throw await refusal(admission, ['monthly_uploads']);
    if (current.storageUsedBytes >= plan.storageBytes) throw await refusal(admission, ['storage']);
    return admission;
  };

  const anonymousAdmission = async (client: string, alreadyCounted: boolean): Promise<Admission> => {
    const nowMs = clock.nowMs();
    const windows = anonymousWindows(nowMs, deps.anonymousRateLimits);
    const counts = await quotas.windowCounts(client, windows);
    const states = windows.map((window, index) => ({ ...window, used: counts[index] ?? 0 }));
    const admission: Admission = {
      kind: 'anonymous',
      client,
      plan: ANONYMOUS_PLAN,
      month: utcMonth(nowMs),
      windows: states,
      alreadyCounted,
      state: () => anonymousQuotaState(states),
    };
    const exhausted = states.filter((state) => state.used >= state.limit).map((state) => state.name);
    if (!alreadyCounted && exhausted.length > 0) throw await refusal(admission, exhausted);
    return admission;
  };

  /** Checks the caller may upload now, and returns what the upload's count and transaction enforce. */
  const admit = (caller: Caller): Promise<Admission> =>
    caller.kind === 'key' ? teamAdmission(caller.teamId, false) : anonymousAdmission(caller.client, false);

  /**
   * Admission to store an upload counted when its direct upload was created: it cannot be refused
   * for the counts it is already in, only for storage that is used up.
   */
  const admitCounted = (caller: Caller): Promise<Admission> =>
    caller.kind === 'key' ? teamAdmission(caller.teamId, true) : anonymousAdmission(caller.client, true);

  /**
   * Counts the upload against the admission's limits — a team's month, or an anonymous client's
   * hourly and daily windows — or refuses it when another upload took the last place meanwhile.
   * An admission already counted is not counted again.
   */
  const count = async (admission: Admission): Promise<Counted> => {
    if (admission.kind === 'team') {
      const { teamId, month, plan, usage: current } = admission;
      const uploads = admission.alreadyCounted
        ? current.uploads
        : await quotas
            .countMonthlyUpload(teamId, month, plan.uploadsPerMonth)
            .catch((error: unknown) => refuseIfReached(admission, error));
      const nowMs = clock.nowMs();
      return {
        state: (bytes) =>
          teamQuotaState(
            {
              ...current,
              uploads,
              storageUsedBytes: current.storageUsedBytes + (bytes ?? 0),
              mediaStored: current.mediaStored + (bytes === undefined ? 0 : 1),
            },
            plan,
            nowMs,
          ),
        giveBack: async () => {
          if (!admission.alreadyCounted) await quotas.uncountMonthlyUpload(teamId, month);
        },
      };
    }
    const { client, windows } = admission;
    const counted: WindowState[] = [];
    if (admission.alreadyCounted) counted.push(...windows);
    else {
      // One window after the other: if a later one is full, the earlier ones are given back.
      try {
        for (const window of windows)
          counted.push({ ...window, used: await quotas.countWindowUpload(client, window) });
      } catch (error) {
        await Promise.all(counted.map((window) => quotas.uncountWindowUpload(client, window)));
        return refuseIfReached(admission, error);
      }
    }
    return {
      state: () => anonymousQuotaState(counted),
      giveBack: async () => {
        if (!admission.alreadyCounted)
          await Promise.all(counted.map((window) => quotas.uncountWindowUpload(client, window)));
      },
    };
  };

  /** A limit another upload reached first is refused as an admission now would be; other errors pass. */
  const refuseIfReached = async (admission: Admission, error: unknown): Promise<never> => {
    throw error instanceof LimitReached ? await refusalAfterRace(admission, error.limits) : error;
  };

  /** A concurrent upload took the last of a limit: answer with the counters as they are now. */
  const refusalAfterRace = async (admission: Admission, limits: LimitName[]): Promise<Error> => {
    const fresh = await (admission.kind === 'team'
      ? teamAdmission(admission.teamId, admission.alreadyCounted)
      : anonymousAdmission(admission.client, admission.alreadyCounted)
    ).catch((refused: unknown) => refused);
    return fresh instanceof Error ? fresh : await refusal(fresh as Admission, limits);
  };

  /** The refusal of a limit: quota exceeded with an upgrade link, or rate limited with a wait. */
  const refusal = async (admission: Admission, limits: LimitName[]): Promise<DomainError> => {
    const nowMs = clock.nowMs();
    if (admission.kind === 'anonymous') {
      const blocking = admission.windows.filter((window) => limits.includes(window.name));
      const resetsAt = Math.max(...blocking.map((window: CountedWindow) => window.resetsAt));
      const seconds = Math.max(1, resetsAt - unixSeconds(nowMs));
      return new DomainError(
        'rate_limited',
        'Too many anonymous uploads from your address; try again later or use an API key.',
        {
          action: { type: 'wait', seconds, label: 'Try again later' },
          quota: admission.state(),
          retryAfterSeconds: seconds,
        },
      );
    }
    const what = limits.includes('storage') ? 'storage' : 'monthly upload';
    const { plan } = admission.usage;
    return new DomainError('quota_exceeded', `Your ${what} quota on the ${plan} plan is used up.`, {
      action:
        nextPlan(plan) === plan
          ? contactAction(deps.operatorContact, `more than the ${plan} plan allows`)
          : await upgradeAction(admission.teamId, plan, nowMs),
      quota: admission.state(),
    });
  };

  return { admit, admitCounted, count, usage, refusal, refusalAfterRace };
};
export type QuotaService = ReturnType<typeof createQuotaService>;
