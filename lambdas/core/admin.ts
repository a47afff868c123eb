import { ABILITIES, type Ability, issueApiKey } from '#core/api-keys/api-key';
import { type ApiKeyRepository, createApiKeyRepository } from '#core/api-keys/repository';
import { type Clock, unixSeconds } from '#core/clock';
import { fieldError, notFound } from '#core/errors';
import { newTeamId } from '#core/ids';
import { isPlanName, PLAN_NAMES, type PlanName } from '#core/plans';
import type { Table } from '#core/store/table';
import { createTeamRepository, type TeamRepository } from '#core/teams/repository';
import type { Team } from '#core/teams/team';

/**
 * Operator actions behind the admin CLI: a self-hosted deployment has no sign-up dashboard, so
 * teams and keys are made here. Results are plain JSON-ready objects.
 */
export const createAdmin = ({ table, clock }: { table: Table; clock: Clock }) =>
  adminActions({ teams: createTeamRepository(table), apiKeys: createApiKeyRepository(table), clock });

const adminActions = ({
  teams,
  apiKeys,
  clock,
}: {
  teams: TeamRepository;
  apiKeys: ApiKeyRepository;
  clock: Clock;
}) => ({
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
    return {
      key,
      key_id: record.keyId,
      team_id: record.teamId,
      name: record.name ?? null,
      abilities: record.abilities,
      created_at: unixSeconds(record.createdAtMs),
    };
  },

  async revokeKey(keyId: string) {
    const record = await apiKeys.revoke(keyId, clock.nowMs());
    return { key_id: record.keyId, team_id: record.teamId, revoked_at: unixSeconds(record.revokedAtMs ?? 0) };
  },
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
