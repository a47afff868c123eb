import { allowAnonymousOr } from '#core/api-keys/auth';
import { credentials, pathParameter } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { json } from '#core/http/response';
import { services } from '#core/services';

/** POST /v1/uploads/{upload_id}/complete — validate the uploaded object and store it as media. */
export const handler = httpHandler(
  async (event) => {
    const { auth, directUploads, media } = services();
    const caller = allowAnonymousOr(await auth.authenticate(credentials(event)), 'write');
    const completed = await directUploads.complete(caller, pathParameter(event, 'upload_id'));
    return json(201, media.describeUpload(caller, completed.media), completed.headers);
  },
  { failureCode: 'upload_failed' },
);
