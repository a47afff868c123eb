import { allowAnonymousOr } from '#core/api-keys/auth';
import { credentials, pathParameter } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { json } from '#core/http/response';
import { services } from '#core/services';

/** GET /v1/media/{id} — public media for anyone, any of the team's media with a `read` key. */
export const handler = httpHandler(async (event) => {
  const { auth, media } = services();
  const caller = allowAnonymousOr(await auth.authenticate(credentials(event)), 'read');
  const found = await media.get(caller, pathParameter(event, 'id'));
  return json(200, media.describe(found));
});
