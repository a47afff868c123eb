import type { SweepCursors } from '#core/cleanup/repository';
import type { Clock } from '#core/clock';
import { isMediaId } from '#core/ids';
import { headerFacts } from '#core/images/facts';
import { ingestImage } from '#core/images/ingest';
import { IMAGE_LIMITS } from '#core/images/limits';
import { ImageRejected } from '#core/images/rejected';
import { isLive, type Media } from '#core/media/media';
import type { MediaRepository } from '#core/media/repository';
import { ORIGINALS_PREFIX } from '#core/store/object-keys';
import type { ObjectStore } from '#core/store/object-store';

export interface FactsBackfillDeps {
  media: MediaRepository;
  objects: ObjectStore;
  sweeps: SweepCursors;
  clock: Clock;
  logger: { error(message: string, extra: Record<string, unknown>): void };
}

export interface BackfillStep {
  /** Originals looked at. */
  checked: number;
  /** Media given their facts now. */
  filled: number;
  /** Media whose original could not be read or decoded; the next pass tries them again. */
  failed: number;
  /** This step reached the end of the bucket: the next one starts a new pass from the start. */
  passComplete: boolean;
}

/** Sweep cursor of the backfill, apart from the cleanup's orphan sweep over the same prefix. */
const CURSOR = `facts:${ORIGINALS_PREFIX}`;

/**
 * Gives media stored before ingest computed facts (placeholder, colours, alpha, frames, colour
 * space) the facts ingest would have given them, from their stored original and with ingest's
 * own code. It walks the originals in key order from a cursor kept in the table, so it is
 * resumable and any number of steps, from the cleanup schedule or `admin backfill facts`, share
 * one pass; writing facts is conditional on there being none, so a step is idempotent and never
 * overwrites what an upload wrote.
 */
export const createFactsBackfill = ({ media, objects, sweeps, clock, logger }: FactsBackfillDeps) => {
  /** Facts for one media; false when it failed (logged), to be tried again on the next pass. */
  const fill = async (item: Media): Promise<'filled' | 'failed' | 'gone'> => {
    try {
      const bytes = await objects.get(item.objectKey);
      // Purged since it was listed: nothing to fill.
      if (!bytes) return 'gone';
      const facts = await ingestImage(bytes, IMAGE_LIMITS).then(
        (image) => image.facts,
        // Beyond today's limits, so never worth decoding again: what its header says is kept.
        (error: unknown) => (error instanceof ImageRejected ? headerFacts(bytes) : Promise.reject(error)),
      );
      return (await media.setFacts(item.id, facts)) ? 'filled' : 'gone';
    } catch (error) {
      // Deleted or expired since it was listed (its original may be gone, which reads as a 403
      // where the reader may not list the bucket): nothing to fill.
      const current = await media.get(item.id).catch(() => item);
      if (!current || !isLive(current, clock.nowMs())) return 'gone';
      logger.error('facts backfill failed', { media_id: item.id, error: error as Error });
      return 'failed';
    }
  };

  /**
   * The next `limit` originals after the cursor, decoding at most `maxDecodes` of them (one at a
   * time: a run shares its function with the rest of the cleanup, and an original can be 70 MB).
   * When the decodes run out first, the cursor stops at the last original handled.
   */
  const step = async ({
    limit,
    maxDecodes,
  }: {
    limit: number;
    maxDecodes: number;
  }): Promise<BackfillStep> => {
    const startAfter = await sweeps.get(CURSOR);
    const page = await objects.list(ORIGINALS_PREFIX, { startAfter, limit });
    const idOf = (key: string) => key.slice(ORIGINALS_PREFIX.length);
    const nowMs = clock.nowMs();
    const records = new Map(
      (await media.getMany(page.objects.map(({ key }) => idOf(key)).filter(isMediaId))).map((item) => [
        item.id,
        item,
      ]),
    );
    const result: BackfillStep = { checked: 0, filled: 0, failed: 0, passComplete: false };
    let cursor = startAfter;
    let decodes = 0;
    for (const { key } of page.objects) {
      const item = records.get(idOf(key));
      if (item && item.facts === undefined && isLive(item, nowMs)) {
        if (decodes === maxDecodes) break;
        decodes++;
        const outcome = await fill(item);
        if (outcome !== 'gone') result[outcome]++;
      }
      result.checked++;
      cursor = key;
    }
    const next = result.checked === page.objects.length ? page.next : cursor;
    await sweeps.set(CURSOR, next);
    return { ...result, passComplete: next === undefined };
  };

  return { step };
};
export type FactsBackfill = ReturnType<typeof createFactsBackfill>;
