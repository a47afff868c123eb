import { allowAnonymousOr } from '#core/caller';
import { authenticator } from '#core/compose/auth';
import { bodies } from '#core/compose/http';
import { directUploadCompletions } from '#core/compose/uploads';
import { credentials, pathParameter } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { quotaHeaders } from '#core/http/headers';
import { json } from '#core/http/response';

/** POST /v1/uploads/{upload_id}/complete — validate the uploaded object and store it as media. */
export const handler = httpHandler(
  async (event, _context, deadline) => {
    const caller = allowAnonymousOr(await authenticator().authenticate(credentials(event)), 'write');
    const completed = await directUploadCompletions().complete(
      caller,
      pathParameter(event, 'upload_id'),
      deadline,
    );
    return json(201, bodies().upload(caller, completed.media), quotaHeaders(completed.quota));
  },
  { failureCode: 'upload_failed' },
);
