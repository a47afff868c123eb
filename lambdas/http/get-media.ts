import { allowAnonymousOr } from '#core/caller';
import { authenticator } from '#core/compose/auth';
import { bodies } from '#core/compose/http';
import { mediaReader } from '#core/compose/media';
import { credentials, pathParameter } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { json } from '#core/http/response';

/** GET /v1/media/{id} — public media for anyone, any of the team's media with a `read` key. */
export const handler = httpHandler(async (event) => {
  const caller = allowAnonymousOr(await authenticator().authenticate(credentials(event)), 'read');
  const found = await mediaReader().get(caller, pathParameter(event, 'id'));
  return json(200, bodies().media(found));
});
