import { allowAnonymousOr } from '#core/caller';
import { authenticator } from '#core/compose/auth';
import { quotas } from '#core/compose/quotas';
import { uploader } from '#core/compose/uploads';
import { credentials } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { parseMultipartForm } from '#core/http/multipart';
import { quotaHeaders } from '#core/http/quota-headers';
import { json } from '#core/http/response';
import { UploadFields } from '#core/media/fields';
import { parseOrThrow } from '#core/validation';

/** POST /v1/upload — multipart image upload, with or without an API key. */
export const handler = httpHandler(
  async (event) => {
    const caller = allowAnonymousOr(await authenticator().authenticate(credentials(event)), 'write');
    const admission = await quotas().admit(caller);
    const { maxFileBytes } = admission.plan;
    const form = await parseMultipartForm(event, { maxFileBytes, maxFields: 30, maxFieldBytes: 8192 });
    const fields = parseOrThrow(UploadFields, form.fields);
    const created = await uploader().upload(caller, admission, { file: form.file, fields });
    return json(
      201,
      uploader().describeUpload(caller, created),
      quotaHeaders(admission.state(created.filesize)),
    );
  },
  { failureCode: 'upload_failed' },
);
