import pMap from 'p-map';
import { backoff } from '#core/backoff';
import type { TeamCaller } from '#core/caller';
import { type Clock, unixSeconds } from '#core/clock';
import { fieldError, notFound } from '#core/errors';
import { ATTRIBUTION_MAX_FIELDS, type MediaChanges, tooManyAttributionFields } from '#core/media/fields';
import { isLive, type Media } from '#core/media/media';
import type { MediaRepository, MediaUpdate } from '#core/media/repository';

export interface MediaManagementDeps {
  media: MediaRepository;
  clock: Clock;
  /** How long a deleted image's original is kept before the cleanup job purges it. */
  deletedRetentionSeconds: number;
}

/**
 * Optimistic writes retry after each lost race (someone else just wrote) with jittered backoff, so
 * parallel changes of one item all land, in some order. 40 parallel PATCHes of one item need at
 * most ~12 attempts here; this bound is for a pathological storm, which then fails without writing.
 */
const MAX_ATTEMPTS = 30;
/** Batch items run with bounded parallelism: fast, without bursting the table's capacity. */
const BATCH_CONCURRENCY = 8;

/**
 * A team's view of its media: list, update and delete, singly and in batches. Every path answers
 * the same 404 for media that is missing, deleted, expired or another team's.
 */
export const createMediaManagement = ({
  media: repository,
  clock,
  deletedRetentionSeconds,
}: MediaManagementDeps) => {
  const owned = (found: Media | undefined, caller: TeamCaller): found is Media =>
    found !== undefined && found.teamId === caller.teamId && isLive(found, clock.nowMs());

  /** A page of the team's live media, newest first; or those of `ids` that are, in the order asked. */
  const list = async (
    caller: TeamCaller,
    query: { limit: number; cursor: string | undefined; ids: string[] | undefined },
  ): Promise<{ items: Media[]; cursor: string | undefined }> => {
    if (query.ids) {
      const found = await repository.getMany(query.ids);
      const byId = new Map(found.filter((media) => owned(media, caller)).map((media) => [media.id, media]));
      const items = query.ids.flatMap((id) => {
        const media = byId.get(id);
        return media ? [media] : [];
      });
      return { items, cursor: undefined };
    }
    return repository.listByTeam(caller.teamId, { ...query, nowMs: clock.nowMs() });
  };

  /**
   * Applies `changes`, re-reading and retrying if a concurrent write got there first; undefined =
   * not found. `read` is the item as a batch already read it (one BatchGet for all its ids).
   */
  const applyChanges = async (
    caller: TeamCaller,
    id: string,
    changes: MediaChanges,
    read: Promise<Media | undefined> = repository.get(id),
  ): Promise<Media | undefined> => {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (attempt > 1) await backoff(attempt - 1, { capMs: 250 });
      const current = attempt === 1 ? await read : await repository.get(id);
      if (!owned(current, caller)) return undefined;
      const next = merge(current, changes, clock.nowMs());
      if (await repository.update(current, next, clock.nowMs())) return { ...current, ...next };
    }
    throw new Error(`Gave up updating ${id} after ${MAX_ATTEMPTS} lost races.`);
  };

  const update = async (caller: TeamCaller, id: string, changes: MediaChanges) => {
    const updated = await applyChanges(caller, id, changes);
    if (!updated) throw notFound('Image not found.');
    return updated;
  };

  const deleteOne = async (
    caller: TeamCaller,
    id: string,
    read: Promise<Media | undefined> = repository.get(id),
  ): Promise<boolean> => {
    const current = await read;
    if (!owned(current, caller)) return false;
    const nowMs = clock.nowMs();
    return repository.softDelete(current, { nowMs, purgeAt: unixSeconds(nowMs) + deletedRetentionSeconds });
  };

  const remove = async (caller: TeamCaller, id: string) => {
    if (!(await deleteOne(caller, id))) throw notFound('Image not found.');
  };

  /** All of a batch's items in one read (ids are unique, at most 100: one BatchGet). */
  const readAll = async (ids: string[]) => {
    const byId = new Map((await repository.getMany(ids)).map((media) => [media.id, media]));
    return (id: string) => Promise.resolve(byId.get(id));
  };

  const updateMany = async (caller: TeamCaller, ids: string[], changes: MediaChanges) => {
    const read = await readAll(ids);
    const results = await pMap(ids, (id) => applyChanges(caller, id, changes, read(id)), {
      concurrency: BATCH_CONCURRENCY,
    });
    return {
      media: results.filter((result) => result !== undefined),
      notFound: ids.filter((_, index) => results[index] === undefined),
    };
  };

  const removeMany = async (caller: TeamCaller, ids: string[]) => {
    const read = await readAll(ids);
    const deleted = await pMap(ids, (id) => deleteOne(caller, id, read(id)), {
      concurrency: BATCH_CONCURRENCY,
    });
    return {
      deleted: deleted.filter(Boolean).length,
      notFound: ids.filter((_, index) => !deleted[index]),
    };
  };

  return { list, update, remove, updateMany, removeMany };
};
export type MediaManagement = ReturnType<typeof createMediaManagement>;

/** The media as `changes` would leave it; refuses metadata that would grow past the field limit. */
const merge = (current: Media, changes: MediaChanges, nowMs: number): MediaUpdate => {
  const attribution = { ...current.attribution };
  for (const [name, value] of Object.entries(changes.attribution)) {
    if (value === null) delete attribution[name];
    else attribution[name] = value;
  }
  if (Object.keys(attribution).length > ATTRIBUTION_MAX_FIELDS) {
    throw fieldError('metadata', tooManyAttributionFields());
  }
  return {
    caption: changes.caption === undefined ? current.caption : (changes.caption ?? undefined),
    public: changes.public ?? current.public,
    keepMetadata: changes.keepMetadata ?? current.keepMetadata,
    expiresAt:
      changes.ttlSeconds === undefined
        ? current.expiresAt
        : changes.ttlSeconds === null
          ? undefined
          : unixSeconds(nowMs) + changes.ttlSeconds,
    attribution,
  };
};
