import { ANONYMOUS, type Caller } from '#core/caller';
import { type Clock, unixSeconds } from '#core/clock';
import type { Deadline } from '#core/deadline';
import { json } from '#core/http/response';
import { isMediaId } from '#core/ids';
import type { ImageLimits } from '#core/images/limits';
import { OUTPUT_FORMATS } from '#core/images/parameters';
import { ImageRejected } from '#core/images/rejected';
import type { Segmenter } from '#core/images/segment/segmenter';
import { sharp } from '#core/images/sharp';
import { describeOutput, TRANSFORM_VERSION, type TransformedImage, transform } from '#core/images/transform';
import type { Media } from '#core/media/media';
import { originalKey } from '#core/store/object-store';
import type { CachedReads } from '#core/store/read-cache';
import type { VariantBudget } from '#core/variants/budget';
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
import { PAGE_CSP, renderPage } from './page.ts';
import { parseViewerQuery, servedQuery, type ViewerQuery } from './query.ts';
import type { SitePage, SitePages } from './site-pages.ts';

/** Waits for what started early to finish, whatever its outcome. */
const settled = async (early: EarlyWork | undefined): Promise<void> => {
  await early?.original.catch(() => undefined);
  await early?.image?.catch(() => undefined);
};

interface EarlyWork {
  key: string;
  /** The original's bytes; undefined when it is missing. */
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
  /** The origin's other pages (/upgrade, the favicon) and the 404 browsers see (site-pages.ts). */
  site?: SitePages;
  /** The service's name on pages (og:site_name). @default imgpro */
  siteName?: string;
}

/** What link unfurlers (Open Graph, Twitter cards) take as an image. */
const UNFURLABLE: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** SVG is served as an image, never as a document that could run script on our origin. */
const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([...OUTPUT_FORMATS, 'jpeg']);
const PATH = /^\/([^./]+)(?:\.([A-Za-z0-9]{1,5}))?$/;
/** Part of every image ETag, so a library upgrade never reuses a tag for different bytes. */
const PIPELINE = `${TRANSFORM_VERSION}/${sharp.versions.sharp}/${sharp.versions.vips}`;

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
    const page = extension === undefined && acceptClass(request.accept) === 'html';
    // Only for what can be served as an image: a stored-format extension (.svg, .bmp, .ico) is
    // checked against the record first, so a wrong one never costs a transform. Nor for
    // `metadata=keep`, whose bytes depend on the record (the owner's keep_metadata).
    const early =
      page ||
      request.ifNoneMatch !== undefined ||
      (extension !== undefined && !asFormat) ||
      query.options.metadata === 'keep'
        ? undefined
        : startEarly(id, query, request.deadline);

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
    const vary: Record<string, string> = extension === undefined ? { vary: 'Accept' } : {};
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
    const original = deps.objects.get(key);
    const image = query.canonical === '' ? transformBytes(original, query.options, deadline) : undefined;
    // Awaited when served or dropped; until then a failure must not count as unhandled.
    original.catch(() => undefined);
    image?.catch(() => undefined);
    return { key, original, image };
  };

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
    // `metadata=keep` is honoured only where the owner allows it (no early transform asked for it).
    const served = servedQuery(query, media.keepMetadata);
    // Derived from what determines the bytes, so a revalidation costs no S3 read and no transform.
    const etag = strongEtag(
      PIPELINE,
      media.id,
      media.objectKey,
      media.filesize,
      media.createdAtMs,
      served.canonical,
    );
    const cacheControl = (query.options.metadata === 'keep' ? keepMetadataCacheControl : imageCacheControl)(
      media.expiresAt,
      unixSeconds(deps.clock.nowMs()),
    );
    const validators = { etag, 'cache-control': cacheControl, ...vary };
    if (matchesEtag(request.ifNoneMatch, etag)) return { status: 304, headers: validators, body: undefined };

    // Before any render: a refused variant costs this write, never a transform. What is counted is
    // what is served (an unallowed `metadata=keep` is the plain variant).
    const admission = await deps.variants.admit(media.id, served.canonical).catch(async (error: unknown) => {
      await settled(early);
      throw error;
    });
    if (!admission.admitted) {
      await settled(early);
      return beyondVariantBudget(request, admission.retryAfterSeconds);
    }
    const mine = early?.key === media.objectKey ? early : undefined;
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
    return withBody(request, 200, image.body, {
      'content-type': image.contentType,
      'x-content-type-options': 'nosniff',
      ...(image.contentType === 'image/svg+xml' && { 'content-security-policy': SVG_CSP }),
      ...validators,
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
    const imagePath = `/${media.id}.${shown.extension}${search}`;
    const html = renderPage({
      pageUrl: `${baseUrlFor(request)}/${media.id}${search}`,
      imageUrl: `${baseUrlFor(request)}${imagePath}`,
      imagePath,
      image: shown,
      caption: media.caption,
      attribution: media.attribution,
      siteName: deps.siteName ?? 'imgpro',
      original: { path: `/${media.id}.${media.extension}`, format: media.extension },
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

/** The transform asked for would cost more than the render budget (see core/images/budget.ts). */
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
