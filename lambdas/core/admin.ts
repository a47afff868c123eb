import type { ApiKey } from '#core/api-keys/api-key';
import { ABILITIES, type Ability, issueApiKey } from '#core/api-keys/api-key';
import { type ApiKeyRepository, createApiKeyRepository } from '#core/api-keys/repository';
import { type Clock, unixSeconds } from '#core/clock';
import { fieldError, notFound } from '#core/errors';
import { newTeamId } from '#core/ids';
import { isPlanName, PLAN_NAMES, type PlanCatalogue, type PlanName, planCatalogue } from '#core/plans';
import { createQuotaRepository, type QuotaRepository } from '#core/quotas/repository';
import { teamQuotaState, utcMonth } from '#core/quotas/usage';
import type { Table } from '#core/store/table';
import { createTeamRepository, type TeamRepository } from '#core/teams/repository';
import type { Team } from '#core/teams/team';

/**
 * Operator actions behind the admin CLI: a self-hosted deployment has no sign-up dashboard, so
 * teams and keys are made here. Results are plain JSON-ready objects.
 */
export const createAdmin = ({
  table,
  clock,
  plans = planCatalogue({}),
}: {
  table: Table;
  clock: Clock;
  /** The deployment's plans, for `usage` (its PLANS overrides, when the operator gives them). */
  plans?: PlanCatalogue;
}) =>
  adminActions({
    teams: createTeamRepository(table),
    apiKeys: createApiKeyRepository(table),
    quotas: createQuotaRepository(table),
    clock,
    plans,
  });

/** The longest grace period a rotated key may keep working for. */
export const MAX_GRACE_SECONDS = 30 * 86_400;

const adminActions = ({
  teams,
  apiKeys,
  quotas,
  clock,
  plans,
}: {
  teams: TeamRepository;
  apiKeys: ApiKeyRepository;
  quotas: QuotaRepository;
  clock: Clock;
  plans: PlanCatalogue;
}) => ({
  async listTeams() {
    return { teams: (await teams.list()).map(describeTeam) };
  },

  async listKeys(teamId?: string) {
    if (teamId !== undefined && !(await teams.get(teamId))) throw notFound('No such team.');
    return { keys: (await apiKeys.list(teamId)).map((key) => describeKey(key, clock.nowMs())) };
  },

  /**
   * A new key like the old one (team, name, abilities); the old one stops working after
   * `graceSeconds` (at once by default), so clients can move over without a gap.
   */
  async rotateKey(keyId: string, graceSeconds = 0) {
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS)
      throw fieldError('grace', `The grace period must be 0–${MAX_GRACE_SECONDS} seconds.`);
    const old = await apiKeys.get(keyId);
    const nowMs = clock.nowMs();
    if (!old) throw notFound('No such API key.');
    if (old.revokedAtMs !== undefined && old.revokedAtMs <= nowMs)
      throw fieldError('key-id', 'That key is already revoked: create a new one with `key create`.');
    const { key, record } = issueApiKey({
      teamId: old.teamId,
      name: old.name,
      abilities: old.abilities,
      createdAtMs: nowMs,
    });
    await apiKeys.create(record);
    const revoked = await apiKeys.revoke(keyId, nowMs + graceSeconds * 1000);
    return {
      ...keyBody(key, record),
      replaces: { key_id: revoked.keyId, revoked_at: unixSeconds(revoked.revokedAtMs ?? nowMs) },
    };
  },

  async usage(teamId: string) {
    const team = await teams.get(teamId);
    if (!team) throw notFound('No such team.');
    const nowMs = clock.nowMs();
    const uploads = await quotas.monthlyUploads(teamId, utcMonth(nowMs));
    const state = teamQuotaState(
      { plan: team.plan, uploads, storageUsedBytes: team.storageUsedBytes, mediaStored: team.mediaStored },
      plans[team.plan],
      nowMs,
    );
    return {
      team_id: team.id,
      plan: team.plan,
      month: utcMonth(nowMs),
      uploads: state.monthly.uploads,
      uploads_limit: state.monthly.limit,
      storage_used_bytes: state.storage.used,
      storage_limit_bytes: state.storage.limit,
      media_stored: team.mediaStored,
    };
  },

  async createTeam(name: string, plan = 'free') {
    if (!name.trim()) throw fieldError('name', 'A team name is required.');
    const team: Team = {
      id: newTeamId(),
      name: name.trim(),
      plan: planNamed(plan),
      createdAtMs: clock.nowMs(),
      storageUsedBytes: 0,
      mediaStored: 0,
    };
    await teams.create(team);
    return describeTeam(team);
  },

  async showTeam(teamId: string) {
    const team = await teams.get(teamId);
    if (!team) throw notFound('No such team.');
    return describeTeam(team);
  },

  async setPlan(teamId: string, plan: string) {
    return describeTeam(await teams.setPlan(teamId, planNamed(plan)));
  },

  async createKey(
    teamId: string,
    options: { abilities?: string | undefined; name?: string | undefined } = {},
  ) {
    if (!(await teams.get(teamId))) throw notFound('No such team.');
    const { key, record } = issueApiKey({
      teamId,
      name: options.name,
      abilities: abilitiesOf(options.abilities ?? 'read,write'),
      createdAtMs: clock.nowMs(),
    });
    await apiKeys.create(record);
    return keyBody(key, record);
  },

  async revokeKey(keyId: string) {
    const record = await apiKeys.revoke(keyId, clock.nowMs());
    return { key_id: record.keyId, team_id: record.teamId, revoked_at: unixSeconds(record.revokedAtMs ?? 0) };
  },
});

/** A key just made, with its secret: shown this once. */
const keyBody = (key: string, record: ApiKey) => ({
  key,
  key_id: record.keyId,
  team_id: record.teamId,
  name: record.name ?? null,
  abilities: record.abilities,
  created_at: unixSeconds(record.createdAtMs),
});

const describeKey = (key: ApiKey, nowMs: number) => ({
  key_id: key.keyId,
  team_id: key.teamId,
  name: key.name ?? null,
  abilities: key.abilities,
  created_at: unixSeconds(key.createdAtMs),
  revoked_at: key.revokedAtMs === undefined ? null : unixSeconds(key.revokedAtMs),
  active: key.revokedAtMs === undefined || key.revokedAtMs > nowMs,
});

const describeTeam = (team: Team) => ({
  team_id: team.id,
  name: team.name,
  plan: team.plan,
  created_at: unixSeconds(team.createdAtMs),
  storage_used_bytes: team.storageUsedBytes,
  media_stored: team.mediaStored,
});

const planNamed = (plan: string): PlanName => {
  if (!isPlanName(plan)) throw fieldError('plan', `The plan must be one of ${PLAN_NAMES.join(', ')}.`);
  return plan;
};

const abilitiesOf = (list: string): Ability[] => {
  const requested = [
    ...new Set(
      list
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    ),
  ];
  const unknown = requested.filter((item) => !(ABILITIES as readonly string[]).includes(item));
  if (requested.length === 0 || unknown.length > 0) {
    throw fieldError('abilities', `Abilities must be a comma-separated list of ${ABILITIES.join(', ')}.`);
  }
  return requested as Ability[];
};
