import { requireAbility } from '#core/caller';
import { authenticator } from '#core/compose/auth';
import { bodies } from '#core/compose/http';
import { management } from '#core/compose/media';
import { credentials, jsonBody, pathParameter } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { MediaPatchRequest } from '#core/http/requests';
import { json } from '#core/http/response';
import { parseOrThrow } from '#core/validation';

/** PATCH /v1/media/{id} — caption, public, ttl and attribution metadata. */
export const handler = httpHandler(async (event) => {
  const caller = requireAbility(await authenticator().authenticate(credentials(event)), 'write');
  const changes = parseOrThrow(MediaPatchRequest, jsonBody(event));
  const updated = await management().update(caller, pathParameter(event, 'id'), changes);
  return json(200, bodies().media(updated));
});
