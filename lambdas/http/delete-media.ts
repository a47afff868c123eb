import { requireAbility } from '#core/api-keys/auth';
import { credentials, pathParameter } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { noContent } from '#core/http/response';
import { services } from '#core/services';

/** DELETE /v1/media/{id} — soft delete: gone from every read path at once, original purged later. */
export const handler = httpHandler(async (event) => {
  const { auth, management } = services();
  const caller = requireAbility(await auth.authenticate(credentials(event)), 'write');
  await management.remove(caller, pathParameter(event, 'id'));
  return noContent();
});
