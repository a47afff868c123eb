import { allowAnonymousOr } from '#core/api-keys/auth';
import { credentials, jsonBody } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { json } from '#core/http/response';
import { ImportFields } from '#core/media/fields';
import { services } from '#core/services';
import { parseOrThrow } from '#core/validation';

/** POST /v1/import — fetch an image from a URL and store it like an upload, with or without an API key. */
export const handler = httpHandler(
  async (event) => {
    const { auth, imports, media, quotas } = services();
    const caller = allowAnonymousOr(await auth.authenticate(credentials(event)), 'write');
    const request = parseOrThrow(ImportFields, jsonBody(event));
    const admission = await quotas.admit(caller);
    const created = await imports.importFrom(caller, admission, request);
    return json(201, media.describeUpload(caller, created), admission.headers(created.filesize));
  },
  { failureCode: 'import_failed' },
);
