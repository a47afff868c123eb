import { type Clock, systemClock } from '#core/clock';
import { once } from '#core/compose/once';
import { parseConfig } from '#core/config';
import { createDocumentClient, createDynamoDbClient } from '#core/platform/clients';
import { logger } from '#core/platform/logger';

/**
 * The composition roots. Each entry imports only the roots it uses, so a function's bundle holds
 * only its own dependencies (the list function loads neither the S3 client nor sharp), and each
 * root is built once per process, outside the handler, from the configuration parsed at cold start.
 * This one holds what every other root shares: settings, the table, the clock and the logger.
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
  const settings = parseConfig(process.env);
  // The plain client too, for what speaks DynamoDB's own types (the idempotency records).
  const dynamoDb = createDynamoDbClient(settings);
  const db = createDocumentClient(settings, dynamoDb);
  return { settings, table: { db, tableName: settings.tableName }, dynamoDb, clock, logger };
});
