import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';
import { createIdempotency } from '#core/http/idempotency';
import { ANONYMOUS_PLAN } from '#core/plans';
import { createIdempotencyRecords } from '#core/store/idempotency-records';

/** Idempotency-Key for the routes that create something; its records live in the single table. */
export const idempotency = once(() => {
  const { dynamoDb, settings } = platform();
  // A key's team plan is read only once the work starts: until then, the largest any plan allows.
  const largestFile = Math.max(...Object.values(settings.plans).map((plan) => plan.maxFileBytes));
  return createIdempotency(createIdempotencyRecords({ client: dynamoDb, tableName: settings.tableName }), {
    maxFileBytes: (caller) => (caller.kind === 'anonymous' ? ANONYMOUS_PLAN.maxFileBytes : largestFile),
  });
});
