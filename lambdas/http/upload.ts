import { allowAnonymousOr } from '#core/caller';
import { authenticator } from '#core/compose/auth';
import { bodies } from '#core/compose/http';
import { idempotency } from '#core/compose/idempotency';
import { quotas } from '#core/compose/quotas';
import { uploader } from '#core/compose/uploads';
import { credentials } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { quotaHeaders } from '#core/http/headers';
import { parseMultipartForm } from '#core/http/multipart';
import { UploadForm } from '#core/http/requests';
import { json } from '#core/http/response';
import { parseOrThrow } from '#core/validation';

/** POST /v1/upload — multipart image upload, with or without an API key. */
export const handler = httpHandler(
  async (event, context, deadline) => {
    const caller = allowAnonymousOr(await authenticator().authenticate(credentials(event)), 'write');
    // Admission too is behind the key: a replay is never refused by the quota its first answer used.
    return idempotency().answer(caller, event, context, async (event) => {
      const admission = await quotas().admit(caller);
      const { maxFileBytes } = admission.plan;
      const form = await parseMultipartForm(event, { maxFileBytes, maxFields: 30, maxFieldBytes: 8192 });
      const fields = parseOrThrow(UploadForm, form.fields);
      const stored = await uploader().upload(caller, admission, { file: form.file, fields }, { deadline });
      return json(201, bodies().upload(caller, stored.media), quotaHeaders(stored.quota));
    });
  },
  { failureCode: 'upload_failed' },
);
