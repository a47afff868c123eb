import { allowAnonymousOr } from '#core/api-keys/auth';
import { credentials, jsonBody } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { json } from '#core/http/response';
import { DirectUploadRequest } from '#core/media/fields';
import { services } from '#core/services';
import { parseOrThrow } from '#core/validation';

/** POST /v1/uploads — a presigned S3 POST for files too large to send through the API. */
export const handler = httpHandler(
  async (event) => {
    const { auth, directUploads } = services();
    const caller = allowAnonymousOr(await auth.authenticate(credentials(event)), 'write');
    const request = parseOrThrow(DirectUploadRequest, jsonBody(event));
    return json(201, await directUploads.start(caller, request));
  },
  { failureCode: 'upload_failed' },
);
