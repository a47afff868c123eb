import { thumbHashToDataURL } from 'thumbhash';
import { ANONYMOUS, type Caller } from '#core/caller';
import { type Clock, unixSeconds } from '#core/clock';
import type { Deadline } from '#core/deadline';
import { viewerFactsBody } from '#core/http/bodies';
import { json } from '#core/http/response';
import { isMediaId } from '#core/ids';
import { IMAGE_FORMATS } from '#core/images/formats';
import type { ImageLimits } from '#core/images/limits';
import { asksForPixels, OUTPUT_FORMATS } from '#core/images/parameters';
import { ImageRejected } from '#core/images/rejected';
import type { Segmenter } from '#core/images/segment/segmenter';
import { sharp } from '#core/images/sharp';
import { describeOutput, TRANSFORM_VERSION, type TransformedImage, transform } from '#core/images/transform';
import type { Media } from '#core/media/media';
import { originalKey, type StoredObject } from '#core/store/object-store';
import type { CachedReads } from '#core/store/read-cache';
import type { VariantBudget } from '#core/variants/budget';
import { type VariantStore, variantFingerprint } from '#core/variants/store';
import {
  imageCacheControl,
  keepMetadataCacheControl,
  matchesEtag,
  NOT_FOUND_CACHE_CONTROL,
  pageCacheControl,
  REFUSED_CACHE_CONTROL,
  strongEtag,
  variantRefusedCacheControl,
} from './caching.ts';
import { acceptClass } from './canonical.ts';
import { PAGE_CSP, type PageInput, renderPage } from './page.ts';
import { describedQuery, negotiated, parseViewerQuery, servedQuery, type ViewerQuery } from './query.ts';
import type { SitePage, SitePages } from './site-pages.ts';

/** Waits for what started early to finish, whatever its outcome. */
const settled = async (early: EarlyWork | undefined): Promise<void> => {
  await early?.stored?.catch(() => undefined);
  await early?.original.catch(() => undefined);
  await early?.image?.catch(() => undefined);
};

/**
 * How long an invocation waits, after its answer, for a rendered variant's write to the store (a
 * PUT of a few hundred KB takes tens of milliseconds), and never past the request's deadline: past
 * it the write is abandoned, and the next miss renders again.
 */
const STORE_WRITE_WAIT_MS = 3_000;

interface EarlyWork {
  key: string;
  /** The stored variant, read first for a variant the store keeps; undefined for others. */
  stored: Promise<StoredObject | undefined> | undefined;
  /**
   * The original's bytes; undefined when it is missing. For a variant the store keeps, read only
   * once the store has none (undefined, unread, when it has).
   */
  original: Promise<Uint8Array | undefined>;
  /**
   * Its transform, started at once only when there is nothing to admit (the canonical query is
   * empty): a variant is rendered only once the variant budget admits it. Undefined when missing.
   */
  image: Promise<TransformedImage | undefined> | undefined;
}

/** What both entries (buffered and streaming) read from a request. */
export interface ViewerRequest {
  method: string;
  /** `/<id>` or `/<id>.<ext>`. */
  path: string;
  /** The raw query string, without `?`. */
  query: string;
  accept: string | undefined;
  ifNoneMatch: string | undefined;
  requestId: string;
  /** The host the visitor asked for, as CloudFront forwards it (x-forwarded-host) or the Host header. */
  host: string | undefined;
  /** When the answer is due: transforms stop there. */
  deadline: Deadline;
}

export interface ViewerResponse {
  status: number;
  headers: Record<string, string>;
  /** Absent for HEAD and 304 (HEAD still states the length). */
  body: Uint8Array | undefined;
  /**
   * Work the answer started that must end before the invocation does (the write of a rendered
   * variant to the store): it never rejects, and is bounded by STORE_WRITE_WAIT_MS. The entries wait
   * for it once the answer is out (stream.ts) or before answering (handler.ts, buffered).
   */
  pending?: Promise<void>;
}

export interface ViewerDeps {
  /** Live media the caller may see (the API's own read rule). */
  media: { find(caller: Caller, id: string): Promise<Media | undefined> };
  /** Originals, kept in memory by key (read-cache.ts). */
  objects: CachedReads;
  clock: Clock;
  logger: { error(message: string, extra: Record<string, unknown>): void };
  /** Base of absolute URLs on the page; without it, the host the visitor asked for. */
  publicBaseUrl: string | undefined;
  limits: ImageLimits;
  /** For `segment=foreground`: a model when one is configured, else the classical method. */
  segmenter: Segmenter;
  /** Told of each transform refused by the render budget (a metric on AWS). */
  onRenderRejected?: () => void;
  /** Which variants may be rendered (core/variants/budget.ts). */
  variants: VariantBudget;
  /** Rendered variants kept in the bucket (core/variants/store.ts). */
  store: VariantStore;
  /** The origin's other pages (/upgrade, the favicon) and the 404 browsers see (site-pages.ts). */
  site?: SitePages;
  /** The service's name on pages (og:site_name). @default imgpro */
  siteName?: string;
}

/** What link unfurlers (Open Graph, Twitter cards) take as an image. */
const UNFURLABLE: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/**
 * Images are public: any site may fetch() them, draw them on a canvas or WebGL texture, and read
 * their resource timing. The HTML page gets neither (it keeps its own strict headers).
 */
const PUBLIC_IMAGE_HEADERS = { 'access-control-allow-origin': '*', 'timing-allow-origin': '*' };

/**
 * gravity=face needs a face detection model, loaded like the segmentation model (never fetched at run
 * time); no such setting exists yet.
 */
const NO_FACE_MODEL =
  'gravity=face needs a face detection model, and none is configured on this deployment. Use gravity=attention, which finds the most salient region (often a face), or a focal point such as gravity=0.5x0.3.';

/** What a rendered variant can be: the stored formats' types and those transforms write. */
const SERVED_TYPES: ReadonlySet<string> = new Set(
  Object.values(IMAGE_FORMATS).map((format) => format.contentType),
);

/** SVG is served as an image, never as a document that could run script on our origin. */
const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([...OUTPUT_FORMATS, 'jpeg']);
const PATH = /^\/([^./]+)(?:\.([A-Za-z0-9]{1,5}))?$/;
/**
 * Part of every image ETag and stored variant's fingerprint, so a library upgrade never reuses a tag
 * or a stored variant for different bytes.
 */
const PIPELINE = `${TRANSFORM_VERSION}/${sharp.versions.sharp}/${sharp.versions.vips}`;

/**
 * Whether a variant is kept in the store: only what a render made. The original without a
 * transform (the plain link) is never stored: the stored original already is its bytes (less the
 * metadata the policy removes), so reading a copy would cost what reading the original costs. Nor
 * is a query of only a metadata policy (`metadata=none`), for the same reason. Everything stored
 * was admitted by the variant budget first, which bounds how many a media gets a day.
 */
const kept = (query: ViewerQuery): boolean =>
  query.canonical !== '' &&
  (asksForPixels(query.options) || query.options.format !== undefined || query.options.quality !== undefined);

/**
 * What decides a variant's bytes besides its original, which never changes under a media id: the
 * pipeline and the served variant (its query, with the metadata policy the owner allows, and for
 * format=auto the image class it was chosen for). Any other input that changes the bytes must join
 * these, as it must join the ETag.
 */
export const fingerprintOf = (servedVariant: string, pipeline = PIPELINE): string =>
  variantFingerprint(pipeline, servedVariant);

/**
 * The viewer link: `GET /<id>` is the HTML page for browsers and the image for everything else;
 * `/<id>.<ext>` is always the image, the extension acting as `format` (or naming the stored
 * SVG, BMP or ICO). Only live public media exist here; anything else is the same short-cached
 * 404. The record is read on every request (only original bytes may come from memory, see
 * read-cache.ts), so a deleted, expired or hidden image is gone with its record.
 */
export const createViewer = (deps: ViewerDeps) => {
  /**
   * Absolute URLs on the page. On AWS the viewer is CloudFront's origin and cannot be configured with
   * the distribution's domain (a cycle), so it uses the host CloudFront's viewer-request function
   * forwards — set at the edge, never taken from the visitor.
   */
  const baseUrlFor = (request: ViewerRequest): string =>
    deps.publicBaseUrl ?? `https://${request.host ?? 'localhost'}`;

  /** A browser is shown a page; everything else the API's JSON. */
  const notFound = (request: ViewerRequest): ViewerResponse =>
    deps.site && acceptClass(request.accept) === 'html'
      ? fromSite(request, deps.site.notFound())
      : jsonNotFound(request);

  const respond = async (request: ViewerRequest): Promise<ViewerResponse> => {
    const site = await deps.site?.page(request.method, request.path, request.query);
    if (site) return fromSite(request, site);
    if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed(request);
    const path = PATH.exec(request.path);
    const id = path?.[1] ?? '';
    const extension = path?.[2]?.toLowerCase();
    if (!path || !isMediaId(id)) return notFound(request);
    const asFormat = extension !== undefined && IMAGE_EXTENSIONS.has(extension);
    const query = parseViewerQuery(request.query, asFormat ? extension : undefined);
    const page = extension === undefined && acceptClass(request.accept) === 'html' && !query.json;
    // Only for what can be served as an image: a stored-format extension (.svg, .bmp, .ico) is
    // checked against the record first, so a wrong one never costs a transform. Nor for
    // `metadata=keep`, whose bytes depend on the record (the owner's keep_metadata).
    const early =
      page ||
      query.json ||
      request.ifNoneMatch !== undefined ||
      (extension !== undefined && !asFormat) ||
      query.options.metadata === 'keep'
        ? undefined
        : startEarly(id, negotiated(query, request.accept), request.deadline);

    const media = await liveMedia(id).catch(async (error: unknown) => {
      await settled(early);
      throw error;
    });
    if (!media) {
      // Nothing may run on after the answer (a frozen Lambda would resume it during its next
      // request), and bytes of media that are gone or hidden leave memory.
      await settled(early);
      deps.objects.forget(originalKey(id));
      return notFound(request);
    }
    if (extension !== undefined && !asFormat && extension !== media.extension) return notFound(request);
    if (query.json) return factsResponse(request, media, query);
    // The page and the image share the URL without an extension; format=auto chooses by Accept.
    const vary: Record<string, string> =
      extension === undefined || query.options.format === 'auto' ? { vary: 'Accept' } : {};
    return page
      ? pageResponse(request, media, query, vary)
      : imageResponse(request, media, query, vary, early);
  };

  /**
   * The original (from memory, else S3) is read while the record is read, and for the original
   * without transforms also transformed (metadata), so a view costs the longer of the two instead of
   * both. A variant is transformed once the record says the image is live and public and the
   * variant budget admits it (one DynamoDB write, shorter than most S3 reads): a refused variant is
   * never rendered. What started early is only a candidate: it is served, or finished and dropped
   * before the 404 or 429 goes out. So a 404 costs an S3 GET of a missing key next to the DynamoDB
   * read (a fraction of a cent per thousand), and for media gone or hidden at most what a view of
   * the original would have cost.
   */
  const startEarly = (id: string, query: ViewerQuery, deadline: Deadline): EarlyWork => {
    const key = originalKey(id);
    // A stored variant answers without the original, so its read waits for the store's answer: a
    // miss pays one more S3 round trip (a 404), a hit never reads megabytes it does not need.
    const stored = kept(query) ? readStored(id, fingerprintOf(query.variant)) : undefined;
    const original = stored
      ? stored.then((found) => (found ? undefined : deps.objects.get(key)))
      : deps.objects.get(key);
    const image = query.canonical === '' ? transformBytes(original, query.options, deadline) : undefined;
    // Awaited when served or dropped; until then a failure must not count as unhandled.
    original.catch(() => undefined);
    image?.catch(() => undefined);
    return { key, stored, original, image };
  };

  /** The stored variant; a failing store is a miss (it only saves work), logged. */
  const readStored = (mediaId: string, fingerprint: string): Promise<StoredObject | undefined> =>
    deps.store.get(mediaId, fingerprint).then(
      // Only what the viewer wrote is served: an object without an image type (written by hand, or
      // read while an emulator was still writing its metadata) is a miss, and rendered again.
      (stored) => (stored && SERVED_TYPES.has(stored.contentType ?? '') ? stored : undefined),
      (error: unknown) => {
        deps.logger.error('variant store read failed', { media_id: mediaId, error: error as Error });
        return undefined;
      },
    );

  /**
   * Writes a rendered variant to the store, started as soon as its bytes exist; what an invocation
   * waits for after its answer (never a failure: a lost write costs the next miss a render).
   */
  const storeVariant = (
    mediaId: string,
    fingerprint: string,
    image: TransformedImage,
    deadline: Deadline,
  ): Promise<void> =>
    deps.store
      .put(
        mediaId,
        fingerprint,
        image,
        AbortSignal.any([
          deadline.signal,
          AbortSignal.timeout(Math.max(0, Math.min(STORE_WRITE_WAIT_MS, deadline.remainingMs()))),
        ]),
      )
      .catch((error: unknown) => {
        deps.logger.error('variant store write failed', { media_id: mediaId, error: error as Error });
      });

  /** `original` transformed; undefined when there is no such object. */
  const transformBytes = async (
    original: Promise<Uint8Array | undefined>,
    options: ViewerQuery['options'],
    deadline: Deadline,
  ) => {
    const bytes = await original;
    return bytes && transform(bytes, options, deps.limits, deps.segmenter, deadline);
  };

  const liveMedia = (id: string): Promise<Media | undefined> => deps.media.find(ANONYMOUS, id);

  const imageResponse = async (
    request: ViewerRequest,
    media: Media,
    query: ViewerQuery,
    vary: Record<string, string>,
    early: EarlyWork | undefined,
  ): Promise<ViewerResponse> => {
    // `metadata=keep` is honoured only where the owner allows it (no early transform asked for it);
    // format=auto is chosen for the client's image class (never started early: its query is not empty).
    const served = negotiated(servedQuery(query, media.keepMetadata), request.accept);
    // A valid request this deployment cannot serve: said so, like a render beyond the budget.
    if (served.options.gravity === 'face') return beyondBudget(request, NO_FACE_MODEL);
    // Derived from what determines the bytes, so a revalidation costs no S3 read and no transform.
    const etag = strongEtag(
      PIPELINE,
      media.id,
      media.objectKey,
      media.filesize,
      media.createdAtMs,
      served.variant,
    );
    const cacheControl = (query.options.metadata === 'keep' ? keepMetadataCacheControl : imageCacheControl)(
      media.expiresAt,
      unixSeconds(deps.clock.nowMs()),
    );
    const validators = { etag, 'cache-control': cacheControl, ...vary, ...PUBLIC_IMAGE_HEADERS };
    if (matchesEtag(request.ifNoneMatch, etag)) return { status: 304, headers: validators, body: undefined };
    const imageHeaders = (contentType: string) => ({
      'content-type': contentType,
      'x-content-type-options': 'nosniff',
      ...(contentType === 'image/svg+xml' && { 'content-security-policy': SVG_CSP }),
      ...validators,
    });

    const mine = early?.key === media.objectKey ? early : undefined;
    const stores = kept(served);
    const fingerprint = fingerprintOf(served.variant);
    // A stored variant was admitted when it was rendered and is served without counting again (the
    // variant budget limits renders); its lifetime is within what the budget remembers.
    const stored = await (mine?.stored ?? (stores ? readStored(media.id, fingerprint) : undefined));
    if (stored) {
      await settled(early);
      return withBody(request, 200, stored.body, imageHeaders(stored.contentType));
    }

    // Before any render: a refused variant costs this write, never a transform. What is counted is
    // what is served (an unallowed `metadata=keep` is the plain variant).
    const admission = await deps.variants.admit(media.id, served.variant).catch(async (error: unknown) => {
      await settled(early);
      throw error;
    });
    if (!admission.admitted) {
      await settled(early);
      return beyondVariantBudget(request, admission.retryAfterSeconds);
    }
    const image = await (
      mine?.image ??
      transformBytes(mine?.original ?? deps.objects.get(media.objectKey), served.options, request.deadline)
    ).catch((error: unknown) => {
      if (error instanceof ImageRejected) return error;
      throw error;
    });
    if (image instanceof ImageRejected) {
      deps.onRenderRejected?.();
      return beyondBudget(request, image.message);
    }
    if (!image) {
      deps.logger.error('original missing for live media', { media_id: media.id });
      return notFound(request);
    }
    return {
      ...withBody(request, 200, image.body, imageHeaders(image.contentType)),
      ...(stores && { pending: storeVariant(media.id, fingerprint, image, request.deadline) }),
    };
  };

  /**
   * `format=json`: the variant the rest of the query names is served exactly as an image request
   * would serve it (admitted by the variant budget, rendered, refused alike), and described instead
   * of sent: its size, format and bytes, next to the original's and its placeholder and facts. No
   * ETag: the answer is cached for as long as the image would be.
   */
  const factsResponse = async (
    request: ViewerRequest,
    media: Media,
    query: ViewerQuery,
  ): Promise<ViewerResponse> => {
    const image = await imageResponse(
      { ...request, method: 'GET', ifNoneMatch: undefined },
      media,
      describedQuery(query),
      {},
      undefined,
    );
    if (image.status !== 200 || !image.body) return image;
    const contentType = image.headers['content-type'] ?? media.contentType;
    const size = await sharp(image.body)
      .metadata()
      .then(
        (metadata) => ({ width: metadata.width, height: metadata.pageHeight ?? metadata.height }),
        // BMP and ICO, served as stored: what the record says.
        () => ({ width: media.width, height: media.height }),
      );
    const body = viewerFactsBody(media, { contentType, ...size, bytes: image.body.byteLength });
    return withBody(request, 200, new TextEncoder().encode(JSON.stringify(body)), {
      'content-type': 'application/json; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'cache-control': image.headers['cache-control'] ?? REFUSED_CACHE_CONTROL,
      ...PUBLIC_IMAGE_HEADERS,
    });
  };

  const pageResponse = (
    request: ViewerRequest,
    media: Media,
    query: ViewerQuery,
    vary: Record<string, string>,
  ): ViewerResponse => {
    const image = describeOutput(media.contentType, media, query.options, deps.limits);
    const search = query.canonical ? `?${query.canonical}` : '';
    // Anything else (SVG, BMP, ICO, AVIF) is offered to unfurlers as PNG.
    const shown = UNFURLABLE.has(image.contentType)
      ? image
      : describeOutput(media.contentType, media, { ...query.options, format: 'png' }, deps.limits);
    // The extension names the format, so format=auto (which unfurlers would get as legacy) goes.
    const imageQuery = query.canonical
      .split('&')
      .filter((pair) => pair !== 'format=auto')
      .join('&');
    const imagePath = `/${media.id}.${shown.extension}${imageQuery ? `?${imageQuery}` : ''}`;
    const html = renderPage({
      pageUrl: `${baseUrlFor(request)}/${media.id}${search}`,
      imageUrl: `${baseUrlFor(request)}${imagePath}`,
      imagePath,
      image: shown,
      caption: media.caption,
      attribution: media.attribution,
      siteName: deps.siteName ?? 'imgpro',
      original: { path: `/${media.id}.${media.extension}`, format: media.extension },
      placeholder: pagePlaceholder(media, shown),
    });
    const body = new TextEncoder().encode(html);
    const etag = strongEtag(html);
    const headers = {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': PAGE_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'strict-origin-when-cross-origin',
      etag,
      'cache-control': pageCacheControl(media.expiresAt, unixSeconds(deps.clock.nowMs())),
      ...vary,
    };
    if (matchesEtag(request.ifNoneMatch, etag)) return { status: 304, headers, body: undefined };
    return withBody(request, 200, body, headers);
  };

  return { respond };
};
export type Viewer = ReturnType<typeof createViewer>;

/**
 * The media's placeholder for its page: the average colour always; the ThumbHash picture only where
 * it is the picture shown (the same shape as the original: not cropped or turned) and the image is
 * opaque (a transparent image would show the blur through itself once loaded, and no script may
 * take it away).
 */
const pagePlaceholder = (
  media: Media,
  shown: { width: number; height: number },
): PageInput['placeholder'] => {
  const placeholder = media.facts?.placeholder;
  if (!placeholder) return undefined;
  const aspect = media.width / media.height;
  const sameShape = Math.abs(shown.width / shown.height - aspect) <= 0.02 * aspect;
  return {
    color: placeholder.averageColor,
    image:
      sameShape && !media.facts?.hasAlpha
        ? thumbHashToDataURL(Buffer.from(placeholder.thumbhash, 'base64'))
        : undefined,
  };
};

/** HEAD answers the same headers, the length included, without the body. */
const withBody = (
  request: ViewerRequest,
  status: number,
  body: Uint8Array,
  headers: Record<string, string>,
): ViewerResponse => ({
  status,
  headers: { ...headers, 'content-length': String(body.byteLength) },
  body: request.method === 'HEAD' ? undefined : body,
});

const jsonNotFound = (request: ViewerRequest): ViewerResponse =>
  fromJson(
    request,
    json(
      404,
      { error: 'not_found', message: 'Image not found.', request_id: request.requestId },
      { 'cache-control': NOT_FOUND_CACHE_CONTROL },
    ),
  );

/**
 * The transform asked for cannot be served: it would cost more than the render budget (see
 * core/images/budget.ts), or it needs a model this deployment lacks (gravity=face).
 */
const beyondBudget = (request: ViewerRequest, message: string): ViewerResponse =>
  fromJson(
    request,
    json(
      422,
      { error: 'validation_error', message, request_id: request.requestId },
      { 'cache-control': REFUSED_CACHE_CONTROL },
    ),
  );

/** A new variant of an image whose variant budget for the day is spent (core/variants/budget.ts). */
const beyondVariantBudget = (request: ViewerRequest, retryAfterSeconds: number): ViewerResponse =>
  fromJson(
    request,
    json(
      429,
      {
        error: 'variant_budget_exceeded',
        message:
          'This image has had as many new variants rendered today as it may. Variants already in use are still served; new ones again after midnight UTC.',
        request_id: request.requestId,
      },
      {
        'cache-control': variantRefusedCacheControl(retryAfterSeconds),
        'retry-after': String(retryAfterSeconds),
      },
    ),
  );

const methodNotAllowed = (request: ViewerRequest): ViewerResponse =>
  fromJson(
    request,
    json(
      405,
      {
        error: 'method_not_allowed',
        message: 'Viewer links answer GET and HEAD.',
        request_id: request.requestId,
      },
      { allow: 'GET, HEAD' },
    ),
  );

/** Pages and 404s share a URL with images: the cache keeps them apart by the accept class. */
const fromSite = (request: ViewerRequest, page: SitePage): ViewerResponse =>
  withBody(request, page.status, new TextEncoder().encode(page.body), {
    'content-type': page.contentType,
    vary: 'Accept',
    ...page.headers,
  });

const fromJson = (request: ViewerRequest, response: ReturnType<typeof json>): ViewerResponse =>
  withBody(request, response.statusCode, new TextEncoder().encode(response.body ?? ''), response.headers);
