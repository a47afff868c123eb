import { requireAbility } from '#core/api-keys/auth';
import { credentials, jsonBody, pathParameter } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { json } from '#core/http/response';
import { MediaPatch } from '#core/media/fields';
import { services } from '#core/services';
import { parseOrThrow } from '#core/validation';

/** PATCH /v1/media/{id} — caption, public, ttl and attribution metadata. */
export const handler = httpHandler(async (event) => {
  const { auth, management } = services();
  const caller = requireAbility(await auth.authenticate(credentials(event)), 'write');
  const changes = parseOrThrow(MediaPatch, jsonBody(event));
  const updated = await management.update(caller, pathParameter(event, 'id'), changes);
  return json(200, management.describe(updated));
});
