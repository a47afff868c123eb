/** Speaking to the local runtime the way clients do: fetch, FormData, Bearer keys. */
export interface UploadInput {
  file?: Uint8Array | undefined;
  filename?: string;
  /** The part's declared type: never trusted by the server, so tests lie with it freely. */
  type?: string;
  fields?: Record<string, string>;
  key?: string | undefined;
  /** Further request headers (what CloudFront adds on AWS, for instance). */
  headers?: Record<string, string>;
}

export const authHeaders = (key: string | undefined): Record<string, string> =>
  key ? { authorization: `Bearer ${key}` } : {};

export const upload = async (baseUrl: string, input: UploadInput): Promise<Response> => {
  const form = new FormData();
  for (const [name, value] of Object.entries(input.fields ?? {})) form.append(name, value);
  if (input.file) {
    form.append(
      'file',
      new Blob([input.file], { type: input.type ?? 'application/octet-stream' }),
      input.filename ?? 'image',
    );
  }
  return fetch(`${baseUrl}/v1/upload`, {
    method: 'POST',
    body: form,
    headers: { ...authHeaders(input.key), ...input.headers },
  });
};

/** A raw request body, for multipart the FormData API cannot produce (malformed, duplicated, oversized). */
export const post = (
  url: string,
  body: Uint8Array | string,
  headers: Record<string, string>,
): Promise<Response> => fetch(url, { method: 'POST', body, headers });

export const json = async (response: Response): Promise<Record<string, unknown>> =>
  (await response.json()) as Record<string, unknown>;

/** The answer to `POST /v1/uploads`: where to send the file, and the id that completes it. */
export interface StartedDirectUpload {
  upload_id: string;
  upload: { url: string; method: string; fields: Record<string, string> };
  expires_at: number;
}

/** `POST /v1/uploads`: start a direct upload (the body declares the size, and may carry fields). */
export const startDirectUpload = (baseUrl: string, body: unknown, key?: string): Promise<Response> =>
  fetch(`${baseUrl}/v1/uploads`, {
    method: 'POST',
    headers: { ...authHeaders(key), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** `POST /v1/uploads/:id/complete`. */
export const completeDirectUpload = (baseUrl: string, uploadId: unknown, key?: string): Promise<Response> =>
  fetch(`${baseUrl}/v1/uploads/${uploadId}/complete`, { method: 'POST', headers: authHeaders(key) });

/** What a browser does with the presigned form: POST the fields, then the file. */
export const sendToStorage = async (
  upload: { url: string; fields: Record<string, string> },
  file: Uint8Array,
): Promise<Response> => {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append('file', new Blob([file]), 'large.jpg');
  return fetch(upload.url, { method: 'POST', body: form });
};
