import { unixSeconds } from '#core/clock';
import { authenticator } from '#core/compose/auth';
import { registration } from '#core/compose/registration';
import type { KeyBody } from '#core/http/contract';
import { credentials, jsonBody } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { RegisterKeyRequest } from '#core/http/requests';
import { json } from '#core/http/response';
import { parseOrThrow } from '#core/validation';

/** POST /v1/keys — self-service: a team on the free plan and its first key, when the operator allows it. */
export const handler = httpHandler(async (event) => {
  // Counted by the client's address as anonymous uploads are (a key sent along changes nothing).
  const caller = await authenticator().authenticate({ ...credentials(event), authorization: undefined });
  if (caller.kind !== 'anonymous') throw new Error('an unauthenticated caller is anonymous');
  registration().assertOpen();
  const request = parseOrThrow(RegisterKeyRequest, jsonBody(event));
  const made = await registration().register(request, caller.client);
  const body: KeyBody = {
    key: made.key,
    key_id: made.keyId,
    team_id: made.teamId,
    name: made.name,
    email: made.email,
    plan: 'free',
    created_at: unixSeconds(made.createdAtMs),
  };
  return json(201, body);
});
