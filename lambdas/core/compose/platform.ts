import { type Clock, systemClock } from '#core/clock';
import { once } from '#core/compose/once';
import { config } from '#core/config';
import { createDocumentClient, createS3Client } from '#core/platform/clients';
import { logger } from '#core/platform/logger';
import { createObjectStore } from '#core/store/object-store';

/**
 * The composition roots. Each entry imports only the roots it uses, so a function's bundle holds
 * only its own dependencies (the list function never loads sharp or the import fetcher), and each
 * root is built once per process, outside the handler, from the configuration parsed at cold start.
 * This one holds what every other root shares: settings, SDK clients, the clock and the logger.
 */
let clock: Clock = systemClock;
let started = false;

/**
 * Runs the services on another clock — the local runtime's tests travel in time with it. Only
 * before first use, so no request ever sees the time change under it.
 */
export const useClock = (replacement: Clock): void => {
  if (started) throw new Error('useClock must be called before the services are first used');
  clock = replacement;
};

export const platform = once(() => {
  started = true;
  const settings = config();
  const db = createDocumentClient(settings);
  const s3 = createS3Client(settings);
  return {
    settings,
    db,
    s3,
    table: { db, tableName: settings.tableName },
    objects: createObjectStore({ s3, bucket: settings.bucketName }),
    clock,
    logger,
  };
});
