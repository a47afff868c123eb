import { allowAnonymousOr } from '#core/api-keys/auth';
import { credentials } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { parseMultipartForm } from '#core/http/multipart';
import { json } from '#core/http/response';
import { UploadFields } from '#core/media/fields';
import { services } from '#core/services';
import { parseOrThrow } from '#core/validation';

/** POST /v1/upload — multipart image upload, with or without an API key. */
export const handler = httpHandler(
  async (event) => {
    const { auth, media, quotas } = services();
    const caller = allowAnonymousOr(await auth.authenticate(credentials(event)), 'write');
    const admission = await quotas.admit(caller);
    const { maxFileBytes } = admission.plan;
    const form = await parseMultipartForm(event, { maxFileBytes, maxFields: 30, maxFieldBytes: 8192 });
    const fields = parseOrThrow(UploadFields, form.fields);
    const created = await media.upload(caller, admission, { file: form.file, fields });
    return json(201, media.describeUpload(caller, created), admission.headers(created.filesize));
  },
  { failureCode: 'upload_failed' },
);
