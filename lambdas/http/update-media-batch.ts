import { requireAbility } from '#core/api-keys/auth';
import { credentials, jsonBody } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { json } from '#core/http/response';
import { BatchPatch } from '#core/media/fields';
import { services } from '#core/services';
import { parseOrThrow } from '#core/validation';

/** PATCH /v1/media/batch — the same caption/public/ttl change on up to 100 media. */
export const handler = httpHandler(async (event) => {
  const { auth, management } = services();
  const caller = requireAbility(await auth.authenticate(credentials(event)), 'write');
  const { ids, changes } = parseOrThrow(BatchPatch, jsonBody(event));
  return json(200, await management.updateMany(caller, ids, changes));
});
