import type { AnonymousQuota, QuotaState, TeamQuota } from '#core/quotas/state';

/**
 * The response headers that report quotas: each declared once, with what it says (for the OpenAPI
 * document) and where its value comes from (for the answers). No zod here: every API function
 * loads this at cold start.
 */

/** A response header: what it says, and its value from the state it reports. */
interface HeaderOf<State> {
  description: string;
  value: (state: State) => number;
}

/** The headers every authenticated upload and import answer carries, refusals included. */
export const TEAM_QUOTA_HEADERS: Record<string, HeaderOf<TeamQuota>> = {
  'x-monthly-uploads-used': { description: 'Uploads counted this month', value: (q) => q.monthly.uploads },
  'x-monthly-uploads-limit': { description: "The plan's monthly uploads", value: (q) => q.monthly.limit },
  'x-monthly-uploads-remaining': {
    description: 'Uploads left this month',
    value: (q) => q.monthly.remaining,
  },
  'x-storage-used': { description: 'Bytes stored', value: (q) => q.storage.used },
  'x-storage-limit': { description: "The plan's storage in bytes", value: (q) => q.storage.limit },
  'x-storage-remaining': { description: 'Bytes left to store', value: (q) => q.storage.remaining },
};

/** The headers every anonymous upload and import answer carries, refusals included. */
export const RATE_LIMIT_HEADERS: Record<string, HeaderOf<AnonymousQuota>> = {
  'x-ratelimit-limit': { description: 'Anonymous uploads per hour', value: (q) => q.hourly.limit },
  'x-ratelimit-remaining': { description: 'Uploads left this hour', value: (q) => q.hourly.remaining },
  'x-ratelimit-reset': { description: 'When the hour ends (Unix seconds)', value: (q) => q.hourly.resetsAt },
  'x-ratelimit-limit-daily': { description: 'Anonymous uploads per UTC day', value: (q) => q.daily.limit },
  'x-ratelimit-remaining-daily': { description: 'Uploads left today', value: (q) => q.daily.remaining },
};

const render = <State>(headers: Record<string, HeaderOf<State>>, state: State): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([name, header]) => [name, String(header.value(state))]));

/** The quota headers of an answer that reports `state`. */
export const quotaHeaders = (state: QuotaState): Record<string, string> =>
  state.kind === 'team' ? render(TEAM_QUOTA_HEADERS, state) : render(RATE_LIMIT_HEADERS, state);
