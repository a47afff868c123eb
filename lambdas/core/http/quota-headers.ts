import type { QuotaState } from '#core/errors';

/**
 * The headers that report a caller's quota with every upload and import answer, refusals included:
 * `X-Monthly-*` and `X-Storage-*` for a team, `X-RateLimit-*` for an anonymous client.
 */
export const quotaHeaders = (state: QuotaState): Record<string, string> =>
  state.kind === 'team'
    ? {
        'x-monthly-uploads-used': String(state.monthly.uploads),
        'x-monthly-uploads-limit': String(state.monthly.limit),
        'x-monthly-uploads-remaining': String(state.monthly.remaining),
        'x-storage-used': String(state.storage.used),
        'x-storage-limit': String(state.storage.limit),
        'x-storage-remaining': String(state.storage.remaining),
      }
    : {
        'x-ratelimit-limit': String(state.hourly.limit),
        'x-ratelimit-remaining': String(state.hourly.remaining),
        'x-ratelimit-reset': String(state.hourly.resetsAt),
        'x-ratelimit-limit-daily': String(state.daily.limit),
        'x-ratelimit-remaining-daily': String(state.daily.remaining),
      };
