/**
 * Does the work grow with the data? The list endpoint's latency for teams holding 10, 1,000 and
 * 10,000 media (it must stay flat: an index query, not a scan), and the cleanup job's time for
 * 1,000 expired media.
 */
import pMap from 'p-map';
import { createSweepCursors } from '#core/cleanup/repository';
import { createCleanup } from '#core/cleanup/service';
import { systemClock } from '#core/clock';
import { newMediaId } from '#core/ids';
import type { Media } from '#core/media/media';
import { createMediaRepository } from '#core/media/repository';
import { noCdn } from '#core/platform/cdn';
import { createObjectStore } from '#core/store/object-store';
import type { BenchRuntime } from './local.ts';
import { ms, type Section } from './report.ts';
import { measure, summarise } from './stats.ts';

const mediaOf = (teamId: string | undefined, createdAtMs: number, expiresAt?: number): Media => {
  const id = newMediaId();
  return {
    id,
    teamId,
    extension: 'jpeg',
    contentType: 'image/jpeg',
    facts: undefined,
    width: 1,
    height: 1,
    filesize: 100,
    caption: undefined,
    attribution: {},
    public: true,
    keepMetadata: false,
    externalId: undefined,
    createdAtMs,
    expiresAt,
    deletedAt: undefined,
    objectKey: `originals/${id}`,
  };
};

export const benchScaling = async (runtime: BenchRuntime): Promise<Section> => {
  const repository = createMediaRepository({ db: runtime.db, tableName: runtime.tableName });
  const objects = createObjectStore({ s3: runtime.s3, bucket: runtime.bucket });
  const rows: (string | number)[][] = [];

  for (const size of [10, 1_000, 10_000]) {
    const { key, teamId } = await runtime.newTeamKey();
    const start = Date.now() - size * 1_000;
    await pMap(
      Array.from({ length: size }, (_, i) => mediaOf(teamId, start + i * 1_000)),
      (media) => repository.create(media),
      { concurrency: 16 },
    );
    const list = async () => {
      const response = await fetch(`${runtime.url}/v1/media?limit=50`, {
        headers: { authorization: `Bearer ${key}` },
      });
      const body = (await response.json()) as { data: unknown[] };
      if (body.data.length !== Math.min(50, size)) throw new Error('short page');
    };
    const stats = summarise(await measure(list, 40, 3));
    rows.push([
      `GET /v1/media?limit=50, team with ${size.toLocaleString('en')} media`,
      ms(stats.p50),
      ms(stats.p95),
    ]);
  }

  // 1,000 anonymous media, expired a minute ago, each with its original.
  const expiredAt = Math.floor(Date.now() / 1000) - 60;
  const expired = Array.from({ length: 1_000 }, (_, i) =>
    mediaOf(undefined, Date.now() - 3_600_000 + i, expiredAt),
  );
  await pMap(
    expired,
    async (media) => {
      await objects.put(media.objectKey, Buffer.alloc(100), 'image/jpeg');
      await repository.create(media);
    },
    { concurrency: 16 },
  );
  const cleanup = createCleanup({
    media: repository,
    objects,
    sweeps: createSweepCursors({ db: runtime.db, tableName: runtime.tableName }),
    cdn: noCdn,
    clock: systemClock,
    logger: { error: () => undefined },
  });
  const begin = performance.now();
  let retired = 0;
  while (retired < expired.length) {
    const report = await cleanup.run({ limit: 500 });
    if (report.purged === 0) break;
    retired += report.purged;
  }
  const seconds = (performance.now() - begin) / 1000;
  rows.push([
    `cleanup: retire ${retired.toLocaleString('en')} expired media (batches of 500)`,
    ms(seconds * 1000),
    '—',
  ]);

  return {
    title: 'Scaling',
    header: ['operation', 'p50 ms', 'p95 ms'],
    rows,
    notes: [
      'The list is one Query on the team index, newest first, so its latency must not grow with the team size.',
      'Cleanup per item: an expiry transaction (media + counters), a CDN invalidation (none locally), an S3 delete and a final update, 8 items in parallel.',
    ],
  };
};
