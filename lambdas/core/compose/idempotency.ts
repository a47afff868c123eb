import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';
import { createIdempotency } from '#core/http/idempotency';
import { FORM_OVERHEAD_BYTES } from '#core/http/multipart';
import { createIdempotencyRecords } from '#core/store/idempotency-records';

/** Idempotency-Key for the routes that create something; its records live in the single table. */
export const idempotency = once(() => {
  const { dynamoDb, settings } = platform();
  const largestFile = Math.max(...Object.values(settings.plans).map((plan) => plan.maxFileBytes));
  return createIdempotency(createIdempotencyRecords({ client: dynamoDb, tableName: settings.tableName }), {
    maxBodyBytes: largestFile + FORM_OVERHEAD_BYTES,
  });
});
