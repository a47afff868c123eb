import * as z from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponseObject } from 'zod-openapi';
import { PARAMETERS, type ParameterName } from '#core/images/parameters';
import {
  BatchDeleteBody,
  BatchUpdateBody,
  DirectUploadBody,
  ErrorBody,
  KeyBody,
  ListBody,
  MediaBody,
  UploadBody,
  UsageBody,
  ViewerFactsBody,
  withAttribution,
} from './contract.ts';
import { RATE_LIMIT_HEADERS, TEAM_QUOTA_HEADERS } from './headers.ts';
import {
  IDEMPOTENCY_CODES,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_KEY_LIFETIME_SECONDS,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  IDEMPOTENCY_KEY_PATTERN,
  REPLAYED_HEADER,
} from './idempotency-contract.ts';
import {
  AttributionValue,
  BatchPatchKnownFields,
  DirectUploadKnownFields,
  ImportKnownFields,
  ListMediaQuery,
  MediaIds,
  PatchKnownFields,
  RegisterKeyRequest,
  UploadKnownFields,
} from './requests.ts';

/**
 * The published contract, OpenAPI 3.1, generated from the zod schemas that parse every request
 * (requests.ts) and type every answer (contract.ts), and from the viewer's parameter table, so the
 * document cannot drift from the code. An end-to-end test checks real answers against it.
 */

const JSON_TYPE = 'application/json';

const ERRORS: Record<number, string> = {
  401: 'Missing or invalid API key (unauthorized)',
  403: 'The key lacks the needed ability (forbidden), or a quota is used up (quota_exceeded, with an upgrade action and the usage)',
  404: 'No such image, or not yours (not_found)',
  409: 'The external_id is already used in this team (external_id_duplicate)',
  413: 'The request is larger than the API takes (payload_too_large); send large files with POST /v1/uploads',
  422: 'Invalid input (validation_error); `errors` names each field',
  429: 'The anonymous upload limit is reached (rate_limited); see Retry-After and the wait action',
  500: 'Something failed on our side; the request id helps the operator find out what',
  502: 'The URL could not be fetched (fetch_failed)',
  504: 'Fetching the URL timed out (fetch_failed)',
};

const headerSchemas = (headers: Record<string, { description: string }>) =>
  Object.fromEntries(
    Object.entries(headers).map(([name, header]) => [
      name,
      z.int().optional().meta({ description: header.description }),
    ]),
  );

/** Every upload and import answer reports the caller's quota: a team's, or an anonymous client's. */
const QuotaHeaders = z.object({
  ...headerSchemas(TEAM_QUOTA_HEADERS),
  ...headerSchemas(RATE_LIMIT_HEADERS),
});

const error = (status: number, headers?: z.ZodObject): ZodOpenApiResponseObject => ({
  description: ERRORS[status] ?? 'Error',
  content: { [JSON_TYPE]: { schema: ErrorBody } },
  ...(headers && { headers }),
});

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, error(status)]));

/** The refusals of an upload, which report the quota too (and when to try again, when rate limited). */
const uploadRefusals = {
  403: error(403, QuotaHeaders),
  429: error(
    429,
    QuotaHeaders.extend({
      'retry-after': z.int().meta({ description: 'Seconds until an upload can succeed' }),
    }),
  ),
};

/** The routes that create something take an Idempotency-Key (README: Idempotency-Key). */
const idempotencyKey = z.object({
  [IDEMPOTENCY_KEY_HEADER]: z
    .string()
    .regex(new RegExp(IDEMPOTENCY_KEY_PATTERN))
    .optional()
    .meta({
      description:
        `Up to ${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters, unique per operation (a UUID). ` +
        `For ${IDEMPOTENCY_KEY_LIFETIME_SECONDS / 3600} hours, the same caller (API key, or anonymous ` +
        'address) sending the same key and request again gets the first success back, not a second ' +
        'upload; a refusal or failure is not kept, so the key can be retried.',
    }),
});

const Replayed = z.object({
  [REPLAYED_HEADER]: z
    .literal('true')
    .optional()
    .meta({ description: 'The answer kept for this Idempotency-Key: the work was not done again' }),
});
/** What every creation answer carries: the quota it used, and whether it is a replay. */
const CreatedHeaders = QuotaHeaders.extend(Replayed.shape);

/** What an Idempotency-Key adds to a route's 409 and 422 (`conflict`: the route's own 409, if any). */
const idempotencyRefusals = (conflict?: string) => ({
  409: {
    description:
      `${conflict ? `${conflict}; or a` : 'A'} request with this Idempotency-Key is still in progress ` +
      `(${IDEMPOTENCY_CODES.inProgress}): retry after Retry-After`,
    content: { [JSON_TYPE]: { schema: ErrorBody } },
    headers: z.object({ 'retry-after': z.int().optional().meta({ description: 'Seconds to wait' }) }),
  },
  422: {
    description: `${ERRORS[422]}; or the Idempotency-Key was used for another request (${IDEMPOTENCY_CODES.reused})`,
    content: { [JSON_TYPE]: { schema: ErrorBody } },
  },
});

const json = (description: string, schema: z.ZodType, headers?: z.ZodObject): ZodOpenApiResponseObject => ({
  description,
  content: { [JSON_TYPE]: { schema } },
  ...(headers && { headers }),
});

const jsonBody = (schema: z.ZodType) => ({ required: true, content: { [JSON_TYPE]: { schema } } });

const idPath = z.object({ id: z.string().meta({ description: 'The media id' }) });
type Security = Record<string, string[]>[];
const keyed: Security = [{ bearer: [] }];
const optionalKey: Security = [{}, { bearer: [] }];

/** What each viewer parameter does, for the document and the README (the table declares how it parses). */
export const VIEWER_PARAMETERS: Record<ParameterName, string> = {
  background:
    'Fills transparency and the padding of fit=pad: a CSS colour (named, #rgb, #rrggbbaa, rgb(), rgba())',
  blur: 'Gaussian blur radius in pixels, 1–250',
  brightness: 'Multiplies R, G and B: 0–10, 1 unchanged',
  contrast: 'Scales the distance from mid-grey: 0–10, 1 unchanged',
  dpr: 'Device pixel ratio, 1–4 (decimals allowed): multiplies w and h (or size), never past the original',
  fit: 'How w and h apply: scale-down (default), contain, cover, crop, pad',
  flip: 'Mirror: h, v or hv',
  format:
    'Output format: jpg (jpeg), webp, avif, png, gif, or auto: AVIF where the Accept header allows it, else ' +
    'WebP, else the stored format (an animation stays animated, as WebP or as stored; SVG stays SVG); or json: ' +
    'facts about the original and the variant the rest of the query serves (its size, format and bytes), as JSON ' +
    '(the ViewerFacts schema)',
  gamma: 'out = in^gamma on values normalised to 0–1: 0–10, 0 and 1 unchanged',
  gravity:
    'The part a crop (fit=cover or crop) keeps: center (default), north, south, east, west, northeast, ' +
    'northwest, southeast, southwest, attention (the most salient region), entropy (the most detail), a ' +
    'focal point x×y as fractions of the width and height (0.3x0.6), or face (a 422 until a face model can be configured)',
  h: 'Height in pixels of the picture as finally seen, 1–8192',
  metadata:
    'EXIF kept: copyright (default), none, keep. keep serves the full metadata (GPS included) only where the ' +
    "media's keep_metadata allows it, else what copyright serves",
  q: 'Quality of JPEG, WebP and AVIF, 1–100',
  rotate: 'Clockwise: 90, 180 or 270',
  saturation: 'Scales the distance from each pixel’s luma: 0–10, 0 greyscale, 1 unchanged',
  segment: 'foreground: remove the background (PNG with alpha unless format says otherwise)',
  sharp: 'Unsharp-mask strength, 0–10',
  size:
    'A named size when neither w nor h is given: small, medium, large (the short side at most 320, 640, ' +
    '1080 px; the long side for images twice as long as wide) or social (1200×630, cropped)',
  trim: 'Remove uniform borders first: auto, or a colour threshold of 1–100 (auto is 10)',
  w: 'Width in pixels of the picture as finally seen, 1–8192',
};

const viewerQuery = z.object(
  Object.fromEntries(
    (Object.keys(PARAMETERS) as ParameterName[]).map((name) => [
      name,
      z.string().optional().meta({ description: VIEWER_PARAMETERS[name] }),
    ]),
  ),
);

const viewerHeaders = z.object({
  etag: z.string().meta({ description: 'Strong tag of this variant; send it back as If-None-Match' }),
  'cache-control': z.string().meta({
    description:
      'A year, immutable, for permanent public media; never past the expiry of media with a ttl. With ' +
      'metadata=keep, whose bytes follow the owner’s keep_metadata: 5 minutes for browsers (s-maxage for the CDN)',
  }),
  vary: z.string().optional().meta({
    description: 'Accept, where the page and the image share a URL or format=auto chooses by it',
  }),
  'access-control-allow-origin': z.string().optional().meta({
    description: '*, on images: any site may fetch() them or draw them on a canvas',
  }),
  'timing-allow-origin': z.string().optional().meta({
    description: '*, on images: any site may read their resource timing',
  }),
});

/** A viewer link: the image (transformed as the query says) for clients, an HTML page for browsers. */
const viewerOperation = (
  operationId: string,
  summary: string,
  path: z.ZodObject,
): ZodOpenApiOperationObject => ({
  operationId,
  summary,
  description:
    'Served at PUBLIC_BASE_URL (on AWS, the ViewerBaseUrl output), not under the API. A value that is malformed ' +
    'or out of range is ignored, never an error; so is an unknown parameter. A valid request that cannot be ' +
    'served is a 422: beyond the render budget, or gravity=face without a face model. Also answers HEAD.',
  security: [],
  requestParams: { path, query: viewerQuery },
  responses: {
    200: {
      description: 'The image, or for a browser (Accept preferring text/html) the HTML page that shows it',
      headers: viewerHeaders,
      content: {
        'image/*': { schema: z.string().meta({ format: 'binary' }) },
        'text/html': { schema: z.string() },
      },
    },
    304: { description: 'If-None-Match matched: the same variant as before' },
    ...errors(404, 422),
  },
});

const attribution = (shape: z.ZodRawShape, value: z.core.$ZodType = AttributionValue) =>
  withAttribution(shape, value);

/** The fields a PATCH may change, without the legacy ones it refuses. */
const patchFields = ({ caption, public: visible, keep_metadata, ttl }: typeof PatchKnownFields.shape) => ({
  caption,
  public: visible,
  keep_metadata,
  ttl,
});

/** Servers are relative: the document is served by the API it describes. */
export const openApiDocument = () =>
  createDocument({
    openapi: '3.1.0',
    info: {
      title: 'imgpro API',
      version: '1.0.0',
      description: 'Self-hosted, img.pro-compatible image sharing API.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      // What a viewer link answers with format=json. Not among the link's response types, which
      // clients read as image bytes by default; named here so they can type it.
      schemas: { ViewerFacts: ViewerFactsBody },
    },
    paths: {
      '/v1/upload': {
        post: {
          operationId: 'uploadMedia',
          summary: 'Upload an image (multipart)',
          security: optionalKey,
          requestParams: { header: idempotencyKey },
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: attribution({
                  ...UploadKnownFields.shape,
                  file: z.string().meta({ format: 'binary', description: 'The image' }),
                }),
                encoding: { file: { contentType: 'application/octet-stream' } },
              },
            },
          },
          responses: {
            201: json('Stored', UploadBody, CreatedHeaders),
            ...errors(401, 413, 500),
            ...idempotencyRefusals(ERRORS[409]),
            ...uploadRefusals,
          },
        },
      },
      '/v1/import': {
        post: {
          operationId: 'importMedia',
          summary: 'Import an image from a URL (the same answer as an upload)',
          security: optionalKey,
          requestParams: { header: idempotencyKey },
          requestBody: jsonBody(attribution(ImportKnownFields.shape)),
          responses: {
            201: json('Stored', UploadBody, CreatedHeaders),
            ...errors(401, 413, 500, 502, 504),
            ...idempotencyRefusals(ERRORS[409]),
            ...uploadRefusals,
          },
        },
      },
      '/v1/uploads': {
        post: {
          operationId: 'createDirectUpload',
          summary: 'Start a direct upload to storage (for files too large for /v1/upload)',
          security: optionalKey,
          requestParams: { header: idempotencyKey },
          requestBody: jsonBody(attribution(DirectUploadKnownFields.shape)),
          responses: {
            201: json(
              'A presigned POST: send the form fields, then the file, to `upload.url`. The upload is counted now',
              DirectUploadBody,
              CreatedHeaders,
            ),
            ...errors(401, 413, 500),
            ...idempotencyRefusals(),
            ...uploadRefusals,
          },
        },
      },
      '/v1/uploads/{upload_id}/complete': {
        post: {
          operationId: 'completeDirectUpload',
          summary: 'Check the uploaded file and store it as media',
          security: optionalKey,
          requestParams: { path: z.object({ upload_id: z.string() }) },
          responses: {
            201: json('Stored', UploadBody, QuotaHeaders),
            ...errors(401, 404, 409, 422, 500),
            ...uploadRefusals,
          },
        },
      },
      '/v1/media': {
        get: {
          operationId: 'listMedia',
          summary: "List the team's media, newest first",
          security: keyed,
          requestParams: { query: ListMediaQuery },
          responses: { 200: json('A page of media', ListBody), ...errors(401, 403, 422) },
        },
      },
      '/v1/media/{id}': {
        get: {
          operationId: 'getMedia',
          summary: 'Get one image',
          security: optionalKey,
          requestParams: { path: idPath },
          responses: { 200: json('The image', MediaBody), ...errors(401, 403, 404) },
        },
        patch: {
          operationId: 'updateMedia',
          summary: 'Change caption, visibility, metadata policy, ttl or attribution metadata (null removes)',
          description:
            'The hosted service’s tags, namespace, nsfw, tool, defaults and description are refused.',
          security: keyed,
          requestParams: { path: idPath },
          requestBody: jsonBody(
            attribution(patchFields(PatchKnownFields.shape), z.nullable(AttributionValue)),
          ),
          responses: { 200: json('Updated', MediaBody), ...errors(401, 403, 404, 409, 413, 422) },
        },
        delete: {
          operationId: 'deleteMedia',
          summary: 'Delete an image',
          security: keyed,
          requestParams: { path: idPath },
          responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404) },
        },
      },
      '/v1/media/batch': {
        patch: {
          operationId: 'updateMediaBatch',
          summary: 'Change up to 100 images the same way',
          security: keyed,
          requestBody: jsonBody(z.strictObject(BatchPatchKnownFields.shape)),
          responses: {
            200: json('What was updated, and which ids were not found', BatchUpdateBody),
            ...errors(401, 403, 409, 413, 422),
          },
        },
        delete: {
          operationId: 'deleteMediaBatch',
          summary: 'Delete up to 100 images',
          security: keyed,
          requestBody: jsonBody(z.object({ ids: MediaIds }).strict()),
          responses: {
            200: json('How many were deleted, and which ids were not found', BatchDeleteBody),
            ...errors(401, 403, 413, 422),
          },
        },
      },
      '/v1/usage': {
        get: {
          operationId: 'getUsage',
          summary: "The team's monthly uploads and storage against its plan",
          security: keyed,
          responses: { 200: json('Usage', UsageBody), ...errors(401, 403) },
        },
      },
      '/v1/keys': {
        post: {
          operationId: 'createKey',
          summary:
            'Get an API key: a team on the free plan and its first key (when the operator opens registration)',
          description:
            'Needs no key. The key is in this answer only. At most 5 registrations per email and 20 per client ' +
            'address each hour; the operator may limit the email domains. A deployment with registration closed ' +
            'answers 403 registration_closed, with a contact action.',
          security: [],
          requestBody: jsonBody(z.strictObject(RegisterKeyRequest.shape)),
          responses: {
            201: json('The new key, shown once', KeyBody),
            403: {
              description: 'Registration is closed on this deployment (registration_closed); see the action',
              content: { [JSON_TYPE]: { schema: ErrorBody } },
            },
            ...errors(413, 422),
            429: {
              description:
                'Too many registrations for this email or from this address this hour (rate_limited); see Retry-After',
              content: { [JSON_TYPE]: { schema: ErrorBody } },
            },
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'getOpenApi',
          summary: 'This document',
          security: [],
          responses: { 200: json('OpenAPI 3.1', z.object({ openapi: z.string() }).loose()) },
        },
      },
      '/{id}': { get: viewerOperation('viewMedia', 'A viewer link', idPath) },
      '/{id}.{ext}': {
        get: viewerOperation(
          'viewMediaAs',
          'A viewer link that always answers image bytes; the extension acts as `format`',
          idPath.extend({
            ext: z
              .string()
              .meta({ description: 'jpg, jpeg, webp, avif, png, gif, or the stored svg, bmp, ico' }),
          }),
        ),
      },
    },
  });
