/**
 * The single-table layout: every key builder and index shape lives here, and nothing outside the
 * repositories knows the key format. Items carry generic `pk`/`sk` and, where listed, GSI keys.
 *
 *   MEDIA#<id>        / MEDIA          a media item
 *   TEAM#<id>         / TEAM           a team with its storage counters
 *   TEAM#<id>         / USAGE#<yyyy-mm> the team's upload counter for a UTC month
 *   KEY#<key_id>      / KEY            an API key (hash of its secret only)
 *   EXTID#<team>#<external id> / EXTID uniqueness guard for a team's external ids
 *   RATE#<client>#<window> / RATE   an anonymous client's upload count in a time window (TTL)
 *   UPLOAD#<upload id> / UPLOAD     a direct-to-S3 upload waiting for its completion call (TTL)
 *   SWEEP#<prefix>    / SWEEP          where the cleanup job's sweep of a bucket prefix goes on
 *   IDEM#<hash>       / IDEM           an Idempotency-Key in use, or the answer it replays (TTL);
 *                                      the hash is of the caller and the key, never the key itself
 *   VARIANTS#<media id> / DAY#<yyyy-mm-dd> the variants of a media the viewer admitted to render on
 *                                      a UTC day: `variants`, a string set of hashes of canonical
 *                                      queries, at most the variant budget (TTL, some days after)
 */
export const INDEX = {
  /** A team's media, newest first: `TEAM#<team>` / `<created_at_ms>#<id>`. */
  mediaByTeam: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /**
   * Sparse: media with work due at a time — expiry of live media with a ttl, purge of the original of
   * deleted media — read by the cleanup job in time order.
   */
  mediaDue: { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
} as const;

/** DynamoDB's own TTL attribute, for items that may simply vanish (never media: cleanup owns those). */
export const TTL_ATTRIBUTE = 'purge_at';

export const TABLE_KEY = { partitionKey: 'pk', sortKey: 'sk' } as const;

const teamPk = (teamId: string) => `TEAM#${teamId}`;

/** How every variant record's partition key starts: the viewer may write those items only. */
export const VARIANT_RECORD_PREFIX = 'VARIANTS#';

/** The one partition of the due-work index (its sort key carries the time). */
const DUE_PK = 'DUE';

export const keys = {
  media: (id: string) => ({ pk: `MEDIA#${id}`, sk: 'MEDIA' }),
  /** A team's partition in the listing index. */
  teamMediaPartition: teamPk,
  /** The due-work index's partition. */
  duePartition: DUE_PK,
  mediaByTeam: (teamId: string, createdAtMs: number, id: string) => ({
    gsi1pk: teamPk(teamId),
    // Zero-padded so the string order is the time order.
    gsi1sk: `${String(createdAtMs).padStart(15, '0')}#${id}`,
  }),
  /** Where a team's listing resumes after the item whose index sort key is `sortKey` (undefined if it is not one). */
  mediaByTeamResume: (teamId: string, sortKey: string) => {
    const id = /^\d{15}#([0-9A-Za-z]{14})$/.exec(sortKey)?.[1];
    return id === undefined ? undefined : { ...keys.media(id), gsi1pk: teamPk(teamId), gsi1sk: sortKey };
  },
  mediaDue: (dueAt: number, id: string) => ({
    gsi2pk: DUE_PK,
    gsi2sk: `${String(dueAt).padStart(12, '0')}#${id}`,
  }),
  team: (teamId: string) => ({ pk: teamPk(teamId), sk: 'TEAM' }),
  monthlyUsage: (teamId: string, month: string) => ({ pk: teamPk(teamId), sk: `USAGE#${month}` }),
  apiKey: (keyId: string) => ({ pk: `KEY#${keyId}`, sk: 'KEY' }),
  externalId: (teamId: string, externalId: string) => ({ pk: `EXTID#${teamId}#${externalId}`, sk: 'EXTID' }),
  uploadIntent: (uploadId: string) => ({ pk: `UPLOAD#${uploadId}`, sk: 'UPLOAD' }),
  rateWindow: (client: string, window: string) => ({ pk: `RATE#${client}#${window}`, sk: 'RATE' }),
  sweepCursor: (prefix: string) => ({ pk: `SWEEP#${prefix}`, sk: 'SWEEP' }),
  variantDay: (mediaId: string, day: string) => ({
    pk: `${VARIANT_RECORD_PREFIX}${mediaId}`,
    sk: `DAY#${day}`,
  }),
  /** `recordKey` is Powertools' idempotency key, `IDEMPOTENCY_PREFIX#<hash>`, already unique. */
  idempotencyRecord: (recordKey: string) => ({ pk: recordKey, sk: 'IDEM' }),
};

/** What Powertools puts before the hash of an idempotency record's key (see `keys.idempotencyRecord`). */
export const IDEMPOTENCY_PREFIX = 'IDEM';

/**
 * The table's shape in the vocabulary both CreateTable (local runtime, tests) and the CDK stack
 * translate from, so the emulator and AWS cannot disagree.
 */
export const TABLE_SCHEMA = {
  key: TABLE_KEY,
  indexes: Object.values(INDEX),
  ttlAttribute: TTL_ATTRIBUTE,
} as const;
