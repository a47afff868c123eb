import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, buildConnector, fetch } from 'undici';
import { DomainError, fieldError } from '#core/errors';
import { isPublicAddress, RefusedAddress } from '#core/imports/address-policy';

export interface ImageFetcherOptions {
  /** Lift the address policy (local development and tests only). */
  allowPrivateNetworks: boolean;
  /** Ports a URL may name; undefined = any. */
  allowedPorts: ReadonlySet<number> | undefined;
  timeoutMs: number;
  maxRedirects: number;
  /** Name resolution; tests map names to chosen addresses. */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
  /** Addresses to treat as public: tests stand a "public" server on a loopback address. */
  treatAsPublic?: ReadonlySet<string>;
}

export interface FetchedImage {
  bytes: Buffer;
  tooLarge: boolean;
}

const systemResolve = (hostname: string) =>
  new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

const fetchFailed = (kind: 'upstream_failed' | 'upstream_timeout', message: string) =>
  new DomainError(kind, message);
const badUrl = (message: string) => fieldError('url', message);

/**
 * Fetches an image from a caller-given URL without letting the URL reach anything private: every
 * address the connection dials is checked at connect time (names through the resolver, literals
 * before dialing), redirects are followed by hand and each hop re-checked, the caller's headers are
 * never forwarded, and the whole exchange — headers and body — is bounded in time and size.
 */
export const createImageFetcher = (options: ImageFetcherOptions) => {
  const resolve = options.resolve ?? systemResolve;
  const allowed = (address: string) =>
    options.allowPrivateNetworks ||
    isPublicAddress(address) ||
    (options.treatAsPublic?.has(address) ?? false);

  const checkedLookup = (
    hostname: string,
    lookupOptions: { all?: boolean },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    resolve(hostname).then(
      (addresses) => {
        // One refused address refuses the name: a mixed answer is how rebinding attacks start.
        if (addresses.length === 0 || !addresses.every((entry) => allowed(entry.address))) {
          callback(new RefusedAddress(), '');
        } else if (lookupOptions.all) {
          callback(null, addresses);
        } else {
          const [first] = addresses as [LookupAddress];
          callback(null, first.address, first.family);
        }
      },
      (error: Error) => callback(error, ''),
    );
  };

  const connector = buildConnector({ lookup: checkedLookup } as buildConnector.BuildOptions);
  const dispatcher = new Agent({
    connect: (connectOptions, callback) => {
      // Literal addresses are dialed without a lookup, so they are judged here.
      if (
        isIP(connectOptions.hostname.replace(/^\[|\]$/g, '')) &&
        !allowed(connectOptions.hostname.replace(/^\[|\]$/g, ''))
      ) {
        callback(new RefusedAddress(), null);
        return;
      }
      connector(connectOptions, callback);
    },
  });

  const checkUrl = (input: string): URL => {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      throw badUrl('The url is not a valid absolute URL.');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw badUrl('Only http and https URLs can be imported.');
    if (url.username || url.password) throw badUrl('URLs with credentials cannot be imported.');
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    if (options.allowedPorts && !options.allowedPorts.has(port))
      throw badUrl('The URL uses a port that imports may not reach.');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !allowed(host)) throw badUrl(new RefusedAddress().message);
    return url;
  };

  /**
   * The image at `input`, read up to `maxBytes` (decompressed); `tooLarge` when it goes on past that.
   * The fetch ends at the configured timeout, or earlier when `limit` aborts (the caller's deadline).
   */
  return async (input: string, maxBytes: number, limit?: AbortSignal): Promise<FetchedImage> => {
    let url = checkUrl(input);
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = limit ? AbortSignal.any([timeout, limit]) : timeout;
    try {
      for (let hop = 0; ; hop++) {
        const response = await fetch(url, {
          dispatcher,
          redirect: 'manual',
          signal,
          headers: { accept: 'image/*', 'user-agent': 'imgpro-import/1.0' },
        });
        const location = response.headers.get('location');
        if (response.status >= 300 && response.status < 400 && location) {
          await response.body?.cancel();
          if (hop >= options.maxRedirects)
            throw fetchFailed('upstream_failed', 'The URL redirects too many times.');
          url = checkUrl(new URL(location, url).toString());
          continue;
        }
        if (!response.ok) {
          await response.body?.cancel();
          throw fetchFailed('upstream_failed', `The URL answered with HTTP ${response.status}.`);
        }
        if (!/^image\//i.test(response.headers.get('content-type') ?? '')) {
          await response.body?.cancel();
          throw badUrl('The URL did not return an image content type.');
        }
        return await readCapped(response.body, maxBytes);
      }
    } catch (error) {
      throw translate(error, signal);
    }
  };
};
export type ImageFetcher = ReturnType<typeof createImageFetcher>;

/** Reads a body up to `maxBytes`, stopping as soon as it is crossed. */
const readCapped = async (
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<FetchedImage> => {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (body) {
    for await (const chunk of body) {
      size += chunk.byteLength;
      if (size > maxBytes) {
        await body.cancel().catch(() => undefined);
        return { bytes: Buffer.concat(chunks), tooLarge: true };
      }
      chunks.push(chunk);
    }
  }
  return { bytes: Buffer.concat(chunks), tooLarge: false };
};

/** Our errors pass through; refusals, timeouts and network failures become the documented ones. */
const translate = (error: unknown, signal: AbortSignal): unknown => {
  if (error instanceof DomainError) return error;
  if (causes(error).some((cause) => cause instanceof RefusedAddress))
    return badUrl(new RefusedAddress().message);
  if (signal.aborted) return fetchFailed('upstream_timeout', 'Fetching the URL timed out.');
  // DNS failures, refused or reset connections, TLS errors: the other side's problem, not ours.
  if (causes(error).some((cause) => cause instanceof Error && 'code' in cause)) {
    return fetchFailed('upstream_failed', 'The URL could not be fetched.');
  }
  return error;
};

const causes = (error: unknown): unknown[] => {
  const chain: unknown[] = [];
  for (
    let current = error;
    current !== undefined && chain.length < 8;
    current = (current as { cause?: unknown }).cause
  ) {
    chain.push(current);
    if (current instanceof AggregateError) chain.push(...current.errors);
    if (!(current instanceof Error)) break;
  }
  return chain;
};
