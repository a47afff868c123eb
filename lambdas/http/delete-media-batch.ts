import { requireAbility } from '#core/caller';
import { authenticator } from '#core/compose/auth';
import { management } from '#core/compose/media';
import { credentials, jsonBody } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { json } from '#core/http/response';
import { BatchDelete } from '#core/media/fields';
import { parseOrThrow } from '#core/validation';

/** DELETE /v1/media/batch — soft-delete up to 100 media. */
export const handler = httpHandler(async (event) => {
  const caller = requireAbility(await authenticator().authenticate(credentials(event)), 'write');
  const { ids } = parseOrThrow(BatchDelete, jsonBody(event));
  return json(200, await management().removeMany(caller, ids));
});
