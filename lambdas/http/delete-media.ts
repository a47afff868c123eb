import { requireAbility } from '#core/caller';
import { authenticator } from '#core/compose/auth';
import { management } from '#core/compose/media';
import { credentials, pathParameter } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { noContent } from '#core/http/response';

/** DELETE /v1/media/{id} — soft delete: gone from every read path at once, original purged later. */
export const handler = httpHandler(async (event) => {
  const caller = requireAbility(await authenticator().authenticate(credentials(event)), 'write');
  await management().remove(caller, pathParameter(event, 'id'));
  return noContent();
});
