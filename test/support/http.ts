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
