import { createHash } from 'node:crypto';
import { issueApiKey } from '#core/api-keys/api-key';
import type { ApiKeyRepository } from '#core/api-keys/repository';
import { type Clock, unixSeconds } from '#core/clock';
import { DomainError, type ErrorAction, fieldError } from '#core/errors';
import { newTeamId } from '#core/ids';
import { type CountedWindow, LimitReached } from '#core/quotas/limits';
import type { QuotaRepository } from '#core/quotas/repository';
import type { TeamRepository } from '#core/teams/repository';

/**
 * Self-service keys (`POST /v1/keys`), as img.pro gives them to agents and people alike: an email
 * and a name make a team on the free plan and its first key, shown once. The operator opts in
 * (`REGISTRATION=open`); sign-ups are limited per email and per client address in hourly windows,
 * counted by the same conditional counters as anonymous uploads, so the limits hold however many
 * requests arrive at once.
 */
export const REGISTRATION_LIMITS = { perEmailHourly: 5, perClientHourly: 20 } as const;

export interface RegistrationSettings {
  open: boolean;
  /** Lower-case domains an email must belong to; empty = any. */
  emailDomains: readonly string[];
  /** What a refused caller is told to do instead: the operator's contact or sign-up page. */
  closedAction: ErrorAction | undefined;
}

export interface RegistrationDeps {
  teams: TeamRepository;
  apiKeys: ApiKeyRepository;
  quotas: QuotaRepository;
  clock: Clock;
  settings: RegistrationSettings;
}

export interface Registered {
  key: string;
  keyId: string;
  teamId: string;
  name: string;
  email: string;
  createdAtMs: number;
}

const HOUR = 3_600;

/** The hourly window a registration counts in (its own counters: `reg-…` clients never upload). */
const hourlyWindow = (nowMs: number, limit: number): CountedWindow => {
  const now = unixSeconds(nowMs);
  return {
    name: 'hourly',
    id: `H${new Date(nowMs).toISOString().slice(0, 13)}`,
    limit,
    resetsAt: now - (now % HOUR) + HOUR,
  };
};

/** Emails are counted by hash: the table never holds an address only a rate window needed. */
const emailCounter = (email: string) =>
  `reg-email:${createHash('sha256').update(email).digest('hex').slice(0, 32)}`;

export const createRegistration = ({ teams, apiKeys, quotas, clock, settings }: RegistrationDeps) => {
  /** Refuses every request while registration is closed, before its body is even read. */
  const assertOpen = () => {
    if (!settings.open) {
      throw new DomainError('forbidden', 'Self-service registration is closed on this deployment.', {
        code: 'registration_closed',
        ...(settings.closedAction && { action: settings.closedAction }),
      });
    }
  };

  const register = async (input: { email: string; name: string }, client: string): Promise<Registered> => {
    assertOpen();
    const email = input.email.toLowerCase();
    const domain = email.slice(email.lastIndexOf('@') + 1);
    if (settings.emailDomains.length > 0 && !settings.emailDomains.includes(domain)) {
      throw fieldError(
        'email',
        `Registration is open to addresses at ${settings.emailDomains.join(', ')} only.`,
      );
    }

    const nowMs = clock.nowMs();
    const counted: [string, CountedWindow][] = [];
    const giveBack = () =>
      Promise.all(
        counted.map(([who, window]) => quotas.uncountWindowUpload(who, window).catch(() => undefined)),
      );
    try {
      for (const [who, limit] of [
        [emailCounter(email), REGISTRATION_LIMITS.perEmailHourly],
        [`reg-ip:${client}`, REGISTRATION_LIMITS.perClientHourly],
      ] as const) {
        const window = hourlyWindow(nowMs, limit);
        await quotas.countWindowUpload(who, window);
        counted.push([who, window]);
      }
    } catch (error) {
      await giveBack();
      if (!(error instanceof LimitReached)) throw error;
      const seconds = Math.max(1, hourlyWindow(nowMs, 0).resetsAt - unixSeconds(nowMs));
      throw new DomainError(
        'rate_limited',
        'Too many registrations from this email or address; try again later.',
        {
          action: { type: 'wait', seconds, label: 'Try again later' },
          retryAfterSeconds: seconds,
        },
      );
    }

    try {
      const teamId = newTeamId();
      const name = input.name;
      await teams.create({
        id: teamId,
        name,
        plan: 'free',
        createdAtMs: nowMs,
        storageUsedBytes: 0,
        mediaStored: 0,
      });
      const { key, record } = issueApiKey({
        teamId,
        name: email,
        abilities: ['read', 'write'],
        createdAtMs: nowMs,
      });
      await apiKeys.create(record);
      return { key, keyId: record.keyId, teamId, name, email, createdAtMs: nowMs };
    } catch (error) {
      // A sign-up that made no key does not use up a place.
      await giveBack();
      throw error;
    }
  };

  return { assertOpen, register };
};
export type Registration = ReturnType<typeof createRegistration>;
