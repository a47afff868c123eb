import { Api, type Error as ApiError, type HttpResponse } from '../../clients/typescript/src/api.ts';

/** sessionStorage only: the key lives as long as the tab, and never in a URL. */
const KEY = 'imgpro.apiKey';

export interface Session {
  api: Api<string>;
  /** The API's origin, for requests the client cannot make (uploads with progress). */
  apiUrl: string;
  key: string;
}

/**
 * Where the API is: `config.json` beside the page names it on AWS (the page is on the viewer's
 * origin); the local runtime serves the page on the API's own origin and names none.
 */
export const apiUrl = async (): Promise<string> => {
  const response = await fetch('/dashboard/config.json', { cache: 'no-store' });
  const config = response.ok ? ((await response.json()) as { api?: string }) : {};
  return (config.api || location.origin).replace(/\/$/, '');
};

export const storedKey = (): string | null => sessionStorage.getItem(KEY);
export const forgetKey = (): void => sessionStorage.removeItem(KEY);
export const keepKey = (key: string): void => sessionStorage.setItem(KEY, key);

/** The client without a key: registration is the one call that needs none. */
export const anonymous = (url: string): Api<string> => new Api<string>({ baseUrl: url });

export const session = (url: string, key: string): Session => {
  const api = new Api<string>({
    baseUrl: url,
    securityWorker: (secret) => (secret ? { headers: { authorization: `Bearer ${secret}` } } : {}),
  });
  api.setSecurityData(key);
  return { api, apiUrl: url, key };
};

/**
 * The API's own words for a failure: what it says of each field when it names fields (a 422), else
 * its message; the status when the body was no Error.
 */
export const describe = (response: { status: number; error: unknown }): string => {
  const error = response.error as Partial<ApiError> | null;
  const fields = Object.values(error?.errors ?? {}).flat();
  if (fields.length > 0) return fields.join(' ');
  if (error && typeof error.message === 'string') return error.message;
  return `Request failed (HTTP ${response.status}).`;
};

/** What the API offers to do about a refusal: a signed upgrade link, a wait, whom to contact. */
export type ApiAction = NonNullable<ApiError['action']>;

export const actionOf = (error: unknown): ApiAction | undefined =>
  (error as Partial<ApiError> | null)?.action ?? undefined;

export type Answer<Data> =
  | { ok: true; data: Data }
  | { ok: false; message: string; status: number; action?: ApiAction | undefined };

/** A failed answer in the API's words, with what it offers to do about it. */
const refused = (response: { status: number; error: unknown }): Answer<never> => ({
  ok: false,
  message: describe(response),
  status: response.status,
  action: actionOf(response.error),
});

/** The client's answer without throwing (it throws a failed response unless told otherwise). */
export const call = async <Data>(request: Promise<HttpResponse<Data, ApiError>>): Promise<Answer<Data>> => {
  let response: HttpResponse<Data, ApiError>;
  try {
    response = await request;
  } catch (failure) {
    if (failure instanceof Response) return refused(failure as HttpResponse<Data, ApiError>);
    return { ok: false, message: (failure as Error).message || 'The API could not be reached.', status: 0 };
  }
  // A success without a body (204) leaves a parse error in `error`: the status decides.
  return response.ok ? { ok: true, data: response.data } : refused(response);
};
