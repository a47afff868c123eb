import { requireAbility } from '#core/api-keys/auth';
import { credentials, jsonBody } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { json } from '#core/http/response';
import { BatchDelete } from '#core/media/fields';
import { services } from '#core/services';
import { parseOrThrow } from '#core/validation';

/** DELETE /v1/media/batch — soft-delete up to 100 media. */
export const handler = httpHandler(async (event) => {
  const { auth, management } = services();
  const caller = requireAbility(await auth.authenticate(credentials(event)), 'write');
  const { ids } = parseOrThrow(BatchDelete, jsonBody(event));
  return json(200, await management.removeMany(caller, ids));
});
