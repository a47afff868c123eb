import { requireAbility } from '#core/caller';
import { authenticator } from '#core/compose/auth';
import { bodies } from '#core/compose/http';
import { management } from '#core/compose/media';
import { credentials, jsonBody } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { BatchPatchRequest } from '#core/http/requests';
import { json } from '#core/http/response';
import { parseOrThrow } from '#core/validation';

/** PATCH /v1/media/batch — the same caption/public/ttl change on up to 100 media. */
export const handler = httpHandler(async (event) => {
  const caller = requireAbility(await authenticator().authenticate(credentials(event)), 'write');
  const { ids, changes } = parseOrThrow(BatchPatchRequest, jsonBody(event));
  return json(200, bodies().updated(await management().updateMany(caller, ids, changes)));
});
