import pMap from 'p-map';
import type { SweepCursors } from '#core/cleanup/repository';
import { type Clock, unixSeconds } from '#core/clock';
import { createFactsBackfill } from '#core/media/facts-backfill';
import type { Media } from '#core/media/media';
import type { MediaRepository } from '#core/media/repository';
import type { Cdn } from '#core/platform/cdn';
import { INCOMING_LIFETIME_DAYS, INCOMING_PREFIX, ORIGINALS_PREFIX } from '#core/store/object-keys';
import type { ListedObject, ObjectStore } from '#core/store/object-store';
import { createVariantStore } from '#core/variants/store';

export interface CleanupDeps {
  media: MediaRepository;
  objects: ObjectStore;
  sweeps: SweepCursors;
  cdn: Cdn;
  clock: Clock;
  logger: { error(message: string, extra: Record<string, unknown>): void };
}

export interface CleanupReport {
  expired: number;
  invalidated: number;
  purged: number;
  /** Expiries a concurrent PATCH prevented (the media was made permanent or extended). */
  kept: number;
  /** Originals deleted because no media record has them (an upload that died between the two). */
  orphans: number;
  /** Files of direct uploads never completed, deleted from `incoming/`. */
  unclaimed: number;
  /** Media stored before ingest computed facts, given theirs (facts-backfill.ts). */
  backfilled: number;
  failed: number;
}

/** A failing item waits this long before it is tried again, so it never blocks the queue's head. */
const RETRY_DELAY_SECONDS = 300;
const CONCURRENCY = 8;
const DAY_MS = 86_400_000;
/**
 * Originals a run decodes for the facts backfill: about a second at most each (a 48 MP photo), so a
 * run stays far inside its timeout; `admin backfill facts` does a whole bucket at once.
 */
export const FACTS_PER_RUN = 20;
/**
 * An upload writes its original before its record, so an original without one may be in flight:
 * only one this old is an orphan (an upload lasts seconds; a direct upload's completion, too).
 */
export const ORPHAN_GRACE_MS = DAY_MS;
export const INCOMING_LIFETIME_MS = INCOMING_LIFETIME_DAYS * DAY_MS;

/**
 * The media lifecycle job: expires media whose ttl has passed, removes the stored variants of
 * everything retired or made private and asks the CDN to drop its cached ones, and purges originals
 * once their retention is over. Every step is a
 * conditional write keyed on the item's state, so a run can die anywhere, overlap another run, or
 * race a PATCH, and each effect (counters above all) still happens exactly once. Work per run is
 * bounded by `limit`; what is left is still due next run.
 *
 * It also sweeps what no record accounts for: files of direct uploads never completed (the
 * bucket's lifecycle rule expires them on AWS; the local runtime has none) and originals an upload
 * left behind when it died between writing the file and its record. Each sweep lists `limit` keys
 * of its prefix a run, going on from where the previous run stopped.
 */
export const createCleanup = ({ media: repository, objects, sweeps, cdn, clock, logger }: CleanupDeps) => {
  const facts = createFactsBackfill({ media: repository, objects, sweeps, clock, logger });
  const variants = createVariantStore(objects);
  const run = async ({ limit }: { limit: number }): Promise<CleanupReport> => {
    const nowMs = clock.nowMs();
    const now = unixSeconds(nowMs);
    const report: CleanupReport = {
      expired: 0,
      invalidated: 0,
      purged: 0,
      kept: 0,
      orphans: 0,
      unclaimed: 0,
      backfilled: 0,
      failed: 0,
    };

    const fail = async (item: Media, step: string, error: unknown) => {
      report.failed++;
      logger.error('cleanup step failed', { media_id: item.id, step, error: error as Error });
      await repository.requeue(item.id, now + RETRY_DELAY_SECONDS).catch(() => undefined);
    };

    // 1. Retire what expired (deleted media are already retired); live media that were hidden or
    // changed their metadata policy only need the CDN.
    const due = await repository.listDue(now, limit);
    const retired = await pMap(
      due,
      async (item): Promise<Media | undefined> => {
        if (item.deletedAt !== undefined) return item;
        const expired = item.expiresAt !== undefined && item.expiresAt <= now;
        if (!expired && item.cdnInvalidated === false) return item;
        try {
          if (!(await repository.expire(item, nowMs))) {
            report.kept++;
            return undefined;
          }
          report.expired++;
          return { ...item, deletedAt: now, purgeAfter: now, cdnInvalidated: false };
        } catch (error) {
          await fail(item, 'expire', error);
          return undefined;
        }
      },
      { concurrency: CONCURRENCY },
    );
    const pending = retired.filter((item) => item !== undefined);

    // 2. Remove stored variants of what is gone or hidden (a new metadata policy is a new key), then
    // drop cached ones; an item whose variants failed to go stays due, the CDN untold. A variant
    // written by a view racing this step is unreachable (the viewer reads the record first) and
    // expires by the bucket's lifecycle rule.
    const withoutVariants = await pMap(
      pending.filter((item) => !item.cdnInvalidated),
      async (item): Promise<Media | undefined> => {
        if (item.deletedAt === undefined && item.public) return item;
        try {
          await variants.removeAll(item.id);
          return item;
        } catch (error) {
          await fail(item, 'variants', error);
          return undefined;
        }
      },
      { concurrency: CONCURRENCY },
    );
    const uninvalidated = withoutVariants.filter((item) => item !== undefined);
    let invalidated = new Set<string>();
    try {
      invalidated = new Set(await cdn.invalidate(uninvalidated.map((item) => item.id)));
    } catch (error) {
      for (const item of uninvalidated) await fail(item, 'invalidate', error);
    }
    await pMap(
      uninvalidated.filter((item) => invalidated.has(item.id)),
      async (item) => {
        try {
          await repository.markInvalidated(item);
          report.invalidated++;
        } catch (error) {
          await fail(item, 'invalidate', error);
        }
      },
      { concurrency: CONCURRENCY },
    );

    // 3. Purge originals whose retention is over; wait for the others.
    await pMap(
      pending.filter(
        (item) => item.deletedAt !== undefined && (item.cdnInvalidated || invalidated.has(item.id)),
      ),
      async (item) => {
        try {
          if ((item.purgeAfter ?? now) <= now) {
            // Again: a view that was rendering when step 2 ran may have stored a variant since.
            await variants.removeAll(item.id);
            await objects.delete(item.objectKey);
            await repository.markPurged(item.id, nowMs);
            report.purged++;
          } else {
            await repository.requeue(item.id, item.purgeAfter ?? now);
          }
        } catch (error) {
          await fail(item, 'purge', error);
        }
      },
      { concurrency: CONCURRENCY },
    );

    /**
     * The next `limit` keys under `prefix`: those last modified before `cutoffMs` that `removable`
     * keeps are deleted and counted as `counted`. A failure is reported and the sweep goes on; the
     * key comes round again on the next pass.
     */
    const sweep = async (
      prefix: string,
      cutoffMs: number,
      counted: 'orphans' | 'unclaimed',
      removable: (old: ListedObject[]) => Promise<ListedObject[]>,
    ) => {
      try {
        const page = await objects.list(prefix, { startAfter: await sweeps.get(prefix), limit });
        const old = page.objects.filter((object) => object.lastModifiedMs < cutoffMs);
        await pMap(
          old.length === 0 ? [] : await removable(old),
          async ({ key }) => {
            try {
              await objects.delete(key);
              report[counted]++;
            } catch (error) {
              report.failed++;
              logger.error('cleanup sweep failed', { key, step: counted, error: error as Error });
            }
          },
          { concurrency: CONCURRENCY },
        );
        await sweeps.set(prefix, page.next);
      } catch (error) {
        report.failed++;
        logger.error('cleanup sweep failed', { prefix, step: counted, error: error as Error });
      }
    };

    // 4. Files of direct uploads never completed: their intent expired long ago.
    await sweep(INCOMING_PREFIX, nowMs - INCOMING_LIFETIME_MS, 'unclaimed', async (old) => old);

    // 5. Originals no record has (any record: deleted media keep theirs until the purge above).
    await sweep(ORIGINALS_PREFIX, nowMs - ORPHAN_GRACE_MS, 'orphans', async (old) => {
      const recorded = new Set(
        (await repository.getMany(old.map(({ key }) => key.slice(ORIGINALS_PREFIX.length)))).map(
          (media) => media.objectKey,
        ),
      );
      return old.filter(({ key }) => !recorded.has(key));
    });

    // 6. Facts for media stored before ingest computed them.
    try {
      const step = await facts.step({ limit, maxDecodes: FACTS_PER_RUN });
      report.backfilled += step.filled;
      report.failed += step.failed;
    } catch (error) {
      report.failed++;
      logger.error('cleanup sweep failed', { step: 'facts', error: error as Error });
    }
    return report;
  };

  return { run };
};
export type Cleanup = ReturnType<typeof createCleanup>;
