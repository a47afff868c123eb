import { allowAnonymousOr } from '#core/caller';
import { authenticator } from '#core/compose/auth';
import { bodies } from '#core/compose/http';
import { idempotency } from '#core/compose/idempotency';
import { importer } from '#core/compose/imports';
import { quotas } from '#core/compose/quotas';
import { credentials, jsonBody } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { quotaHeaders } from '#core/http/headers';
import { ImportRequest } from '#core/http/requests';
import { json } from '#core/http/response';
import { parseOrThrow } from '#core/validation';

/** POST /v1/import — fetch an image from a URL and store it like an upload, with or without an API key. */
export const handler = httpHandler(
  async (event, context, deadline) => {
    const caller = allowAnonymousOr(await authenticator().authenticate(credentials(event)), 'write');
    return idempotency().answer(caller, event, context, async (event) => {
      const request = parseOrThrow(ImportRequest, jsonBody(event));
      const admission = await quotas().admit(caller);
      const stored = await importer().importFrom(caller, admission, request, deadline);
      return json(201, bodies().upload(caller, stored.media), quotaHeaders(stored.quota));
    });
  },
  { failureCode: 'import_failed' },
);
