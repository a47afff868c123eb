import { allowAnonymousOr } from '#core/caller';
import { authenticator } from '#core/compose/auth';
import { importer } from '#core/compose/imports';
import { quotas } from '#core/compose/quotas';
import { uploader } from '#core/compose/uploads';
import { credentials, jsonBody } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { quotaHeaders } from '#core/http/quota-headers';
import { json } from '#core/http/response';
import { ImportFields } from '#core/media/fields';
import { parseOrThrow } from '#core/validation';

/** POST /v1/import — fetch an image from a URL and store it like an upload, with or without an API key. */
export const handler = httpHandler(
  async (event) => {
    const caller = allowAnonymousOr(await authenticator().authenticate(credentials(event)), 'write');
    const request = parseOrThrow(ImportFields, jsonBody(event));
    const admission = await quotas().admit(caller);
    const created = await importer().importFrom(caller, admission, request);
    return json(
      201,
      uploader().describeUpload(caller, created),
      quotaHeaders(admission.state(created.filesize)),
    );
  },
  { failureCode: 'import_failed' },
);
