import type { Upload } from '../../clients/typescript/src/api.ts';
import { call, type Session } from './session.ts';

/**
 * Files above this go through a direct upload (POST /v1/uploads, the presigned POST to storage,
 * then complete): API Gateway's payload limit is lower than the plans' largest file.
 */
export const DIRECT_UPLOAD_ABOVE = 4 * 1024 * 1024;

export type Progress = (sent: number, total: number) => void;

interface Sent {
  status: number;
  text: string;
}

/**
 * One request with upload progress. The generated client uses fetch, which reports none; the
 * request is the one the client would send (same URL, headers and form).
 */
const send = (url: string, body: FormData, headers: Record<string, string>, progress: Progress) =>
  new Promise<Sent>((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', url);
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) progress(event.loaded, event.total);
    });
    request.addEventListener('load', () => resolve({ status: request.status, text: request.responseText }));
    request.addEventListener('error', () => reject(new Error('The upload could not reach the server.')));
    request.send(body);
  });

/** The API's message from an Error body, else storage's (an XML `<Message>`), else the status. */
const messageOf = ({ status, text }: Sent): string => {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string') return body.message;
  } catch {
    const xml = /<Message>([^<]*)<\/Message>/.exec(text);
    if (xml?.[1]) return xml[1];
  }
  return `Upload failed (HTTP ${status}).`;
};

export const uploadFile = async (session: Session, file: File, progress: Progress): Promise<Upload> => {
  if (file.size > DIRECT_UPLOAD_ABOVE) return directUpload(session, file, progress);
  const form = new FormData();
  form.append('file', file, file.name);
  const answer = await send(
    `${session.apiUrl}/v1/upload`,
    form,
    { authorization: `Bearer ${session.key}` },
    progress,
  );
  if (answer.status !== 200 && answer.status !== 201) throw new Error(messageOf(answer));
  return JSON.parse(answer.text) as Upload;
};

const directUpload = async (session: Session, file: File, progress: Progress): Promise<Upload> => {
  const created = await call(session.api.v1.createDirectUpload({ size: file.size, filename: file.name }));
  if (!created.ok) throw new Error(created.message);
  const { upload, upload_id } = created.data;
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields))
    if (value !== undefined) form.append(name, value);
  form.append('file', file, file.name);
  const stored = await send(upload.url, form, {}, progress);
  if (stored.status < 200 || stored.status >= 300) throw new Error(messageOf(stored));
  const completed = await call(session.api.v1.completeDirectUpload({ uploadId: upload_id }));
  if (!completed.ok) throw new Error(completed.message);
  return completed.data;
};
