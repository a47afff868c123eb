import type { Upload } from '../../clients/typescript/src/api.ts';
import { type ApiAction, actionOf, call, type Session } from './session.ts';

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

/** An upload refused, in the API's words, with what it offers to do about it (an upgrade link). */
export class UploadRefused extends Error {
  constructor(
    message: string,
    readonly action?: ApiAction,
  ) {
    super(message);
  }
}

/** The API's message from an Error body, else storage's (an XML `<Message>`), else the status. */
const refusal = ({ status, text }: Sent): UploadRefused => {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string') return new UploadRefused(body.message, actionOf(body));
  } catch {
    const xml = /<Message>([^<]*)<\/Message>/.exec(text);
    if (xml?.[1]) return new UploadRefused(xml[1]);
  }
  return new UploadRefused(`Upload failed (HTTP ${status}).`);
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
  if (answer.status !== 200 && answer.status !== 201) throw refusal(answer);
  return JSON.parse(answer.text) as Upload;
};

const directUpload = async (session: Session, file: File, progress: Progress): Promise<Upload> => {
  const created = await call(session.api.v1.createDirectUpload({ size: file.size, filename: file.name }));
  if (!created.ok) throw new UploadRefused(created.message, created.action);
  const { upload, upload_id } = created.data;
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields))
    if (value !== undefined) form.append(name, value);
  form.append('file', file, file.name);
  const stored = await send(upload.url, form, {}, progress);
  if (stored.status < 200 || stored.status >= 300) throw refusal(stored);
  const completed = await call(session.api.v1.completeDirectUpload({ uploadId: upload_id }));
  if (!completed.ok) throw new UploadRefused(completed.message, completed.action);
  return completed.data;
};
