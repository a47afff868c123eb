/**
 * Source of the viewer's CloudFront Function (viewer request, cloudfront-js-2.0). It is bundled at
 * synth time with the viewer's own `canonical.ts`, so the edge and the origin agree on the canonical
 * query by construction. The runtime is ES 5.1 plus a few later features: no destructuring, spread,
 * for-of, classes or default parameters here or in what it imports (the build refuses them).
 *
 * What it does to every request before the cache looks it up:
 * - the query string becomes its canonical form (allowlisted, de-duplicated, sorted), so `?w=1&h=2`,
 *   `?h=2&w=1` and `?h=2&w=1&utm=x` are one cache entry;
 * - the accept class header is set from `Accept` (`html` for browsers opening the link, else
 *   `image`, or for `format=auto` the image class: `avif`, `webp` or `legacy`); the cache key holds
 *   the class, never the raw `Accept` header (which still reaches the origin, whose `acceptClass`
 *   and `imageClass` map it to the same class);
 * - `x-forwarded-host` is set to the host the viewer asked for, because the origin (a function URL)
 *   only ever sees its own host.
 * Client-sent copies of both headers are overwritten.
 */
import { cacheClass, canonicalQueryString } from '../../lambdas/viewer/canonical.ts';

export const ACCEPT_CLASS_HEADER = 'x-imgpro-accept-class';
export const FORWARDED_HOST_HEADER = 'x-forwarded-host';

interface FieldValue {
  value: string;
  multiValue?: FieldValue[];
}

export interface ViewerRequest {
  method: string;
  uri: string;
  /** An object as received; a string once rewritten (runtime 2.0 accepts both). */
  querystring: Record<string, FieldValue> | string;
  headers: Record<string, FieldValue>;
  /** The query exactly as sent, without `?` (production runtime only; absent in some test harnesses). */
  rawQueryString?: () => string | undefined;
}

export interface ViewerRequestEvent {
  request: ViewerRequest;
}

const pairsFromRaw = (raw: string): Array<[string, string]> => {
  const pairs: Array<[string, string]> = [];
  const parts = raw.split('&');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (part === '') continue;
    const equals = part.indexOf('=');
    pairs.push(equals < 0 ? [part, ''] : [part.slice(0, equals), part.slice(equals + 1)]);
  }
  return pairs;
};

const pairsFromObject = (query: Record<string, FieldValue>): Array<[string, string]> => {
  const pairs: Array<[string, string]> = [];
  const names = Object.keys(query);
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const field = query[name] as FieldValue;
    const values = field.multiValue && field.multiValue.length > 0 ? field.multiValue : [field];
    for (let j = 0; j < values.length; j++) pairs.push([name, (values[j] as FieldValue).value]);
  }
  return pairs;
};

/**
 * The query as name/value pairs in the order sent, still encoded: `canonicalQueryString` decodes
 * them itself (it takes raw and decoded pairs alike).
 */
const queryPairs = (request: ViewerRequest): Array<[string, string]> => {
  const raw = typeof request.rawQueryString === 'function' ? request.rawQueryString() : undefined;
  if (typeof raw === 'string' && raw !== '') return pairsFromRaw(raw);
  if (typeof request.querystring === 'string') return pairsFromRaw(request.querystring);
  return pairsFromObject(request.querystring);
};

export function handler(event: ViewerRequestEvent): ViewerRequest {
  const request = event.request;
  // The upgrade page's query is a signed link, passed on as sent (its answer is never cached).
  const canonical = request.uri === '/upgrade' ? '' : canonicalQueryString(queryPairs(request));
  if (request.uri !== '/upgrade') request.querystring = canonical;
  const accept = request.headers.accept;
  request.headers[ACCEPT_CLASS_HEADER] = { value: cacheClass(canonical, accept ? accept.value : undefined) };
  const host = request.headers.host;
  if (host) request.headers[FORWARDED_HOST_HEADER] = { value: host.value };
  return request;
}
