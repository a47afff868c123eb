import { allowAnonymousOr } from '#core/caller';
import { authenticator } from '#core/compose/auth';
import { directUploadStarts } from '#core/compose/direct-uploads';
import { bodies } from '#core/compose/http';
import { idempotency } from '#core/compose/idempotency';
import { credentials, jsonBody } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { quotaHeaders } from '#core/http/headers';
import { DirectUploadRequest } from '#core/http/requests';
import { json } from '#core/http/response';
import { parseOrThrow } from '#core/validation';

/** POST /v1/uploads — a presigned S3 POST for files too large to send through the API. */
export const handler = httpHandler(
  async (event, context) => {
    const caller = allowAnonymousOr(await authenticator().authenticate(credentials(event)), 'write');
    return idempotency().answer(caller, event, context, async (event) => {
      const request = parseOrThrow(DirectUploadRequest, jsonBody(event));
      const started = await directUploadStarts().start(caller, request);
      return json(201, bodies().directUpload(started), quotaHeaders(started.quota));
    });
  },
  { failureCode: 'upload_failed' },
);
