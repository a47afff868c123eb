import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';
import { createIdempotency } from '#core/http/idempotency';
import { createIdempotencyRecords } from '#core/store/idempotency-records';

/** Idempotency-Key for the routes that create something; its records live in the single table. */
export const idempotency = once(() => {
  const { dynamoDb, settings } = platform();
  return createIdempotency(createIdempotencyRecords({ client: dynamoDb, tableName: settings.tableName }));
});
