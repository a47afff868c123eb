import type { Caller } from '#core/caller';
import { type Clock, unixSeconds } from '#core/clock';
import { DomainError } from '#core/errors';
import { ANONYMOUS_PLAN, nextPlan, type Plan, type PlanCatalogue } from '#core/plans';
import type { SecretSource } from '#core/platform/secrets';
import type { CountedWindow, LimitName } from '#core/quotas/limits';
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
}

/**
 * Admission to an upload: the caller's plan, and the limits the upload's transaction must enforce.
 * `state(bytes)` is the caller's quota or rate-limit state once an upload of `bytes` is stored
 * (without it: as it is now).
 */
export type Admission =
  | {
      kind: 'team';
      teamId: string;
      plan: Plan;
      month: string;
      usage: TeamUsage;
      state(bytes?: number): QuotaState;
    }
  | {
      kind: 'anonymous';
      client: string;
      plan: Plan;
      month: string;
      windows: WindowState[];
      state(bytes?: number): QuotaState;
    };

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

  /** GET /v1/usage */
  const usage = async (teamId: string): Promise<TeamQuota> => {
    const nowMs = clock.nowMs();
    const current = await usageOf(teamId, nowMs);
    return teamQuotaState(current.usage, current.plan, nowMs);
  };

  const teamAdmission = async (teamId: string): Promise<Admission> => {
    const nowMs = clock.nowMs();
    const { usage: current, plan } = await usageOf(teamId, nowMs);
    const admission: Admission = {
      kind: 'team',
      teamId,
      plan,
      month: utcMonth(nowMs),
      usage: current,
      state: (bytes) =>
        teamQuotaState(
          bytes === undefined
            ? current
            : {
                ...current,
                uploads: current.uploads + 1,
                storageUsedBytes: current.storageUsedBytes + bytes,
                mediaStored: current.mediaStored + 1,
              },
          plan,
          nowMs,
        ),
    };
    // Already over? Refuse before anything is read or decoded; the transaction stays the real guard.
    if (current.uploads >= plan.uploadsPerMonth) throw await refusal(admission, ['monthly_uploads']);
    if (current.storageUsedBytes >= plan.storageBytes) throw await refusal(admission, ['storage']);
    return admission;
  };

  const anonymousAdmission = async (client: string): Promise<Admission> => {
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
      state: (bytes) =>
        anonymousQuotaState(
          states.map((state) => ({ ...state, used: state.used + (bytes === undefined ? 0 : 1) })),
        ),
    };
    const exhausted = states.filter((state) => state.used >= state.limit).map((state) => state.name);
    if (exhausted.length > 0) throw await refusal(admission, exhausted);
    return admission;
  };

  /** Checks the caller may upload now, and returns what the upload's transaction must enforce. */
  const admit = (caller: Caller): Promise<Admission> =>
    caller.kind === 'key' ? teamAdmission(caller.teamId) : anonymousAdmission(caller.client);

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
    const target = nextPlan(admission.usage.plan);
    const url = createUpgradeLink(deps.upgrade.url, await deps.upgrade.secret(), {
      team: admission.teamId,
      plan: target,
      expires: unixSeconds(nowMs) + UPGRADE_LINK_LIFETIME_SECONDS,
    });
    const what = limits.includes('storage') ? 'storage' : 'monthly upload';
    return new DomainError(
      'quota_exceeded',
      `Your ${what} quota on the ${admission.usage.plan} plan is used up.`,
      {
        action: { type: 'upgrade', url, label: `Upgrade to ${target}` },
        quota: admission.state(),
      },
    );
  };

  return { admit, usage, refusal };
};
export type QuotaService = ReturnType<typeof createQuotaService>;
