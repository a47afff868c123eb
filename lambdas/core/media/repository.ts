import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { backoff } from '#core/backoff';
import { unixSeconds } from '#core/clock';
import { DomainError, fieldError, notFound } from '#core/errors';
import { isMediaId } from '#core/ids';
import type { ImageFacts } from '#core/images/facts';
import { externalIdItems } from '#core/media/external-ids';
import { isLive, type Media } from '#core/media/media';
import { isLimitName, LimitReached } from '#core/quotas/limits';
import { INDEX, keys } from '#core/store/keys';
import type { Table, TransactionItem } from '#core/store/table';
import { teamCounterItems } from '#core/teams/repository';
import { intentItems } from '#core/uploads/intents';

/** The mutable part of media, as the service decided it should become. */
export type MediaUpdate = Pick<Media, 'caption' | 'public' | 'keepMetadata' | 'expiresAt' | 'attribution'>;

export interface MediaPage {
  items: Media[];
  /** Opaque; undefined on the last page. */
  cursor: string | undefined;
}

export interface MediaRepository {
  /**
   * Stores new media in one transaction with everything that must agree with it: for team media
   * the storage counters (within `storageLimit`) and the external id guard; the direct upload it
   * completes, if any. Throws LimitReached or external_id_duplicate when a guard fails. (Uploads
   * are counted against monthly quotas and rate limits before, by the quota service.)
   */
  create(media: Media, guards?: CreateGuards): Promise<void>;
  get(id: string): Promise<Media | undefined>;
  /** Those of `ids` that exist, in no particular order. */
  getMany(ids: readonly string[]): Promise<Media[]>;
  /** A team's live media, newest first; expired media not yet cleaned up are skipped, pages stay full. */
  listByTeam(
    teamId: string,
    options: { limit: number; cursor: string | undefined; nowMs: number },
  ): Promise<MediaPage>;
  /**
   * Writes `update` if `current` is still live, still the team's, and its metadata and metadata
   * policy unchanged since it was read; false when any of that no longer holds (the caller re-reads
   * and decides again).
   */
  update(current: Media, update: MediaUpdate, nowMs: number): Promise<boolean>;
  /**
   * Soft-deletes live media of the team together with its storage counters and external id guard;
   * false when there was nothing live to delete. The original stays until `purgeAt` (unix seconds).
   */
  softDelete(current: Media, options: { nowMs: number; purgeAt: number }): Promise<boolean>;
  /** Retires media whose expiry has passed (counters, external id, listing); false if a PATCH saved it. */
  expire(current: Media, nowMs: number): Promise<boolean>;
  /** Media with lifecycle work due by `nowSeconds` (expiry, CDN invalidation, purge), oldest first. */
  listDue(nowSeconds: number, limit: number): Promise<Media[]>;
  /**
   * The CDN dropped its variants: deleted media wait for their purge, live ones (hidden, or with a
   * new metadata policy) for their expiry.
   */
  markInvalidated(media: Media): Promise<void>;
  /** The original is gone: the item leaves the cleanup's queue for good. */
  markPurged(id: string, nowMs: number): Promise<void>;
  /** Deleted media whose purge is not due yet waits in the queue until `dueAt`. */
  requeue(id: string, dueAt: number): Promise<void>;
  /** Gives facts to media stored without them (the backfill); false when it has them already, or is gone. */
  setFacts(id: string, facts: ImageFacts): Promise<boolean>;
}

export interface CreateGuards {
  /** Team media: the bytes the team's storage must stay within (none: unlimited). */
  storageLimit?: number;
  /** A direct upload this media completes: consumed in the same transaction, so only once. */
  uploadId?: string;
}

const BATCH_GET_KEYS = 100;

/** Transactions that lost a race with another one on the same counter are simply run again. */
const MAX_CONFLICT_RETRIES = 5;

export const externalIdTaken = (): DomainError =>
  new DomainError('conflict', 'This external_id is already used by another media item of your team.', {
    code: 'external_id_duplicate',
  });

/** Live media of the caller's team: never deleted, not past its expiry. */
const LIVE_AND_OWNED =
  'attribute_exists(pk) AND team_id = :team AND attribute_not_exists(deleted_at) AND ' +
  '(attribute_not_exists(expires_at) OR expires_at > :now)';

/**
 * Media items and their indexes. The transactions that store and retire media also write items
 * other modules own (team counters, external id guards, upload intents): each module contributes its own writes, and this repository composes them.
 */
export const createMediaRepository = ({ db, tableName }: Table): MediaRepository => {
  const teams = teamCounterItems(tableName);
  const externalIds = externalIdItems(tableName);
  const intents = intentItems(tableName);

  /** A team's media counts against its storage, and claims its external id. */
  const teamWrites = (media: Media, teamId: string, guards: CreateGuards): TransactionItem[] => [
    teams.add(teamId, media.filesize, guards.storageLimit ?? Number.MAX_SAFE_INTEGER),
    ...(media.externalId === undefined ? [] : [externalIds.claim(teamId, media.externalId, media.id)]),
  ];

  return {
    async create(media, guards = {}) {
      const writes: TransactionItem[] = [
        {
          guard: 'media',
          write: {
            Put: {
              TableName: tableName,
              Item: toItem(media),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        },
        ...(media.teamId === undefined ? [] : teamWrites(media, media.teamId, guards)),
        ...(guards.uploadId === undefined ? [] : [intents.consume(guards.uploadId)]),
      ];
      for (let attempt = 0; ; attempt++) {
        try {
          await db.send(new TransactWriteCommand({ TransactItems: writes.map(({ write }) => write) }));
          return;
        } catch (error) {
          if (!(error instanceof TransactionCanceledException)) throw error;
          const reasons = error.CancellationReasons ?? [];
          const failed = writes
            .filter((_, index) => reasons[index]?.Code === 'ConditionalCheckFailed')
            .map(({ guard }) => guard);
          if (failed.includes('upload')) throw notFound('Upload not found.');
          if (failed.includes('external_id')) throw externalIdTaken();
          const limits = failed.filter(isLimitName);
          if (limits.length > 0) throw new LimitReached(limits);
          const conflicted = reasons.some((reason) => reason.Code === 'TransactionConflict');
          if (!conflicted || attempt >= MAX_CONFLICT_RETRIES) throw error;
          await backoff(attempt + 1);
        }
      }
    },

    async get(id) {
      // An id no media can have is missing, without asking the table (which refuses keys over 2 KB).
      if (!isMediaId(id)) return undefined;
      const { Item } = await db.send(
        new GetCommand({ TableName: tableName, Key: keys.media(id), ConsistentRead: true }),
      );
      return Item ? fromItem(Item) : undefined;
    },

    async getMany(ids) {
      const found: Media[] = [];
      const wanted = ids.filter(isMediaId).map((id) => keys.media(id));
      // BatchGetItem takes 100 keys at most.
      for (let start = 0; start < wanted.length; start += BATCH_GET_KEYS) {
        let pending: Record<string, unknown>[] = wanted.slice(start, start + BATCH_GET_KEYS);
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > 0) await backoff(attempt);
          const { Responses, UnprocessedKeys } = await db.send(
            new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
          );
          found.push(...(Responses?.[tableName] ?? []).map(fromItem));
          pending = UnprocessedKeys?.[tableName]?.Keys ?? [];
        }
      }
      return found;
    },

    async listByTeam(teamId, { limit, cursor, nowMs }) {
      let startKey: Record<string, unknown> | undefined =
        cursor === undefined ? undefined : resumeKey(teamId, cursor);
      const live: Media[] = [];
      // One item more than asked tells whether another page exists.
      while (live.length <= limit) {
        const { Items = [], LastEvaluatedKey } = await db.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: INDEX.mediaByTeam.name,
            KeyConditionExpression: 'gsi1pk = :pk',
            ExpressionAttributeValues: { ':pk': keys.teamMediaPartition(teamId) },
            ScanIndexForward: false,
            Limit: limit + 1 - live.length,
            ExclusiveStartKey: startKey,
          }),
        );
        // Deleted media leave the team index, so this only drops those expired but not yet retired.
        live.push(...Items.map(fromItem).filter((media) => isLive(media, nowMs)));
        if (!LastEvaluatedKey) break;
        startKey = LastEvaluatedKey;
      }
      const items = live.slice(0, limit);
      const last = items.at(-1);
      const hasMore = live.length > limit && last !== undefined;
      return {
        items,
        cursor: hasMore
          ? encodeCursor(keys.mediaByTeam(teamId, last.createdAtMs, last.id).gsi1sk)
          : undefined,
      };
    },

    async update(current, update, nowMs) {
      // Public media that are hidden, or whose metadata policy changes (what `metadata=keep` serves),
      // are queued at once so the cleanup job drops their cached variants from the CDN; otherwise
      // media with a ttl are queued at their expiry and permanent ones leave the queue.
      const invalidate = current.public && (!update.public || update.keepMetadata !== current.keepMetadata);
      const queue = queuedAt(current.id, invalidate ? unixSeconds(nowMs) : update.expiresAt);
      const sets = [
        'caption = :caption',
        '#public = :public',
        'keep_metadata = :keep',
        'attribution = :attribution',
        ...queue.sets,
      ];
      const removes = [...queue.removes];
      if (update.expiresAt === undefined) removes.push('expires_at');
      else sets.push('expires_at = :expires');
      if (invalidate) sets.push('cdn_invalidated = :no');
      // A write based on an older policy must not undo a concurrent change of it (items stored
      // before the policy existed have no attribute: not allowed).
      const policyRead = current.keepMetadata
        ? 'keep_metadata = :keepRead'
        : '(attribute_not_exists(keep_metadata) OR keep_metadata = :keepRead)';
      try {
        await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.media(current.id),
            UpdateExpression: updateExpression(sets, removes),
            ConditionExpression: `${LIVE_AND_OWNED} AND attribution = :read AND ${policyRead}`,
            ExpressionAttributeNames: { '#public': 'public' },
            ExpressionAttributeValues: {
              ':caption': update.caption ?? null,
              ':public': update.public,
              ':keep': update.keepMetadata,
              ':keepRead': current.keepMetadata,
              ':attribution': update.attribution,
              ':read': current.attribution,
              ':team': current.teamId,
              ':now': unixSeconds(nowMs),
              ...(update.expiresAt !== undefined && { ':expires': update.expiresAt }),
              ...queue.values,
              ...(invalidate && { ':no': false }),
            },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    softDelete(current, { nowMs, purgeAt }) {
      if (current.teamId === undefined) return Promise.resolve(false);
      return retire(current, {
        nowMs,
        purgeAfter: purgeAt,
        condition: LIVE_AND_OWNED,
        values: { ':team': current.teamId, ':now': unixSeconds(nowMs) },
      });
    },

    expire(current, nowMs) {
      return retire(current, {
        nowMs,
        purgeAfter: unixSeconds(nowMs),
        // A PATCH that made it permanent or extended it meanwhile wins: the condition no longer holds.
        condition: 'attribute_not_exists(deleted_at) AND expires_at <= :now',
        values: { ':now': unixSeconds(nowMs) },
      });
    },

    async listDue(nowSeconds, limit) {
      const { Items = [] } = await db.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: INDEX.mediaDue.name,
          KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk <= :until',
          ExpressionAttributeValues: {
            ':pk': keys.duePartition,
            // Every key due at or before now sorts below "<now>#~".
            ':until': `${keys.mediaDue(nowSeconds, '').gsi2sk}~`,
          },
          Limit: limit,
        }),
      );
      return Items.map(fromItem);
    },

    async markInvalidated(media) {
      if (media.deletedAt !== undefined) {
        await conditionalUpdate(media.id, 'SET cdn_invalidated = :yes', 'attribute_exists(deleted_at)', {
          ':yes': true,
        });
        return;
      }
      // Still live (hidden, or its metadata policy changed): back to waiting for its expiry, or out
      // of the queue if it has none.
      const queue = queuedAt(media.id, media.expiresAt);
      await conditionalUpdate(
        media.id,
        updateExpression(['cdn_invalidated = :yes', ...queue.sets], queue.removes),
        'attribute_not_exists(deleted_at)',
        { ':yes': true, ...queue.values },
      );
    },

    async markPurged(id, nowMs) {
      await conditionalUpdate(
        id,
        'SET purged_at = :now REMOVE gsi2pk, gsi2sk',
        'attribute_exists(deleted_at)',
        {
          ':now': unixSeconds(nowMs),
        },
      );
    },

    async requeue(id, dueAt) {
      const due = keys.mediaDue(dueAt, id);
      await conditionalUpdate(id, 'SET gsi2pk = :pk, gsi2sk = :sk', 'attribute_exists(deleted_at)', {
        ':pk': due.gsi2pk,
        ':sk': due.gsi2sk,
      });
    },

    async setFacts(id, facts) {
      try {
        await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.media(id),
            UpdateExpression: 'SET facts = :facts',
            // Never over facts ingest wrote, nor onto an item a purge removed meanwhile.
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(facts)',
            ExpressionAttributeValues: { ':facts': factsToItem(facts) },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
  };

  /**
   * Marks media deleted together with everything that must agree: out of the team's listing, its
   * storage counters released, its external id freed, and queued for the cleanup job right away
   * (CDN invalidation, then the original's purge once `purgeAfter` has passed). Exactly once: the
   * condition holds for one writer only.
   */
  async function retire(
    current: Media,
    options: { nowMs: number; purgeAfter: number; condition: string; values: Record<string, unknown> },
  ): Promise<boolean> {
    const due = keys.mediaDue(unixSeconds(options.nowMs), current.id);
    const teamId = current.teamId;
    try {
      await db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName,
                Key: keys.media(current.id),
                UpdateExpression:
                  'SET deleted_at = :deletedAt, purge_after = :purgeAfter, cdn_invalidated = :no, gsi2pk = :duePk, gsi2sk = :dueSk REMOVE gsi1pk, gsi1sk',
                ConditionExpression: options.condition,
                ExpressionAttributeValues: {
                  ...options.values,
                  ':deletedAt': unixSeconds(options.nowMs),
                  ':no': false,
                  ':purgeAfter': options.purgeAfter,
                  ':duePk': due.gsi2pk,
                  ':dueSk': due.gsi2sk,
                },
              },
            },
            ...(teamId === undefined ? [] : [teams.remove(teamId, current.filesize).write]),
            ...(teamId === undefined || current.externalId === undefined
              ? []
              : [externalIds.release(teamId, current.externalId).write]),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      ) {
        return false;
      }
      throw error;
    }
  }

  async function conditionalUpdate(
    id: string,
    update: string,
    condition: string,
    values: Record<string, unknown>,
  ) {
    try {
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.media(id),
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      // The item moved on (another run got there first): nothing left to do here.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
};

/** Cursors are the index sort key of the last item, base64url-wrapped: opaque, and bound to the caller's team. */
const encodeCursor = (sortKey: string) => Buffer.from(sortKey).toString('base64url');

const resumeKey = (teamId: string, cursor: string) => {
  const key = /^[A-Za-z0-9_-]{1,64}$/.test(cursor)
    ? keys.mediaByTeamResume(teamId, Buffer.from(cursor, 'base64url').toString())
    : undefined;
  if (!key) throw fieldError('cursor', 'The cursor is invalid; use next_cursor from a previous page.');
  return key;
};

/** The clauses that put media in the due-work queue at `dueAt`, or take them out of it. */
const queuedAt = (id: string, dueAt: number | undefined) => {
  if (dueAt === undefined) return { sets: [], removes: ['gsi2pk', 'gsi2sk'], values: {} };
  const due = keys.mediaDue(dueAt, id);
  return {
    sets: ['gsi2pk = :duePk', 'gsi2sk = :dueSk'],
    removes: [],
    values: { ':duePk': due.gsi2pk, ':dueSk': due.gsi2sk },
  };
};

const updateExpression = (sets: string[], removes: string[]): string =>
  `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`;

type Item = Record<string, unknown>;

/** Stored under names of their own, so the record's layout never follows a TypeScript rename. */
export const factsToItem = (facts: ImageFacts): Item => ({
  ...(facts.placeholder && {
    thumbhash: facts.placeholder.thumbhash,
    blurhash: facts.placeholder.blurhash,
    dominant_color: facts.placeholder.dominantColor,
    average_color: facts.placeholder.averageColor,
  }),
  has_alpha: facts.hasAlpha,
  frames: facts.frames,
  color_space: facts.colorSpace,
});

const factsFromItem = (item: Item): ImageFacts => ({
  placeholder:
    typeof item.thumbhash === 'string'
      ? {
          thumbhash: item.thumbhash,
          blurhash: item.blurhash as string,
          dominantColor: item.dominant_color as string,
          averageColor: item.average_color as string,
        }
      : undefined,
  hasAlpha: item.has_alpha === true,
  frames: item.frames as number,
  colorSpace: item.color_space as string,
});

const toItem = (media: Media): Item => ({
  ...keys.media(media.id),
  ...(media.teamId !== undefined && keys.mediaByTeam(media.teamId, media.createdAtMs, media.id)),
  ...(media.expiresAt !== undefined && keys.mediaDue(media.expiresAt, media.id)),
  id: media.id,
  team_id: media.teamId,
  extension: media.extension,
  content_type: media.contentType,
  width: media.width,
  height: media.height,
  filesize: media.filesize,
  facts: media.facts && factsToItem(media.facts),
  caption: media.caption,
  attribution: media.attribution,
  public: media.public,
  keep_metadata: media.keepMetadata,
  external_id: media.externalId,
  created_at_ms: media.createdAtMs,
  expires_at: media.expiresAt,
  deleted_at: media.deletedAt,
  object_key: media.objectKey,
});

const fromItem = (item: Item): Media => ({
  id: item.id as string,
  teamId: item.team_id as string | undefined,
  extension: item.extension as string,
  contentType: item.content_type as string,
  width: item.width as number,
  height: item.height as number,
  filesize: item.filesize as number,
  facts: item.facts ? factsFromItem(item.facts as Item) : undefined,
  caption: (item.caption as string | null | undefined) ?? undefined,
  attribution: (item.attribution as Record<string, string> | undefined) ?? {},
  public: item.public as boolean,
  keepMetadata: item.keep_metadata === true,
  externalId: item.external_id as string | undefined,
  createdAtMs: item.created_at_ms as number,
  expiresAt: item.expires_at as number | undefined,
  deletedAt: item.deleted_at as number | undefined,
  objectKey: item.object_key as string,
  purgeAfter: item.purge_after as number | undefined,
  cdnInvalidated: item.cdn_invalidated as boolean | undefined,
  purgedAt: item.purged_at as number | undefined,
});
