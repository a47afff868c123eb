import { z } from 'zod';
import {
  AttributionValue,
  BatchPatchKnownFields,
  DirectUploadKnownFields,
  ImportKnownFields,
  ListQuery,
  MediaIds,
  PatchKnownFields,
  UploadKnownFields,
} from '#core/media/fields';
import { PLAN_NAMES } from '#core/plans';

/**
 * The published contract, generated from the zod schemas that validate each request, so the
 * document cannot drift from the code. Response shapes are described here.
 */
const jsonSchema = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });

/** Request objects whose other keys are attribution metadata. */
const withAttribution = (schema: z.ZodObject, value: z.ZodType) => jsonSchema(schema.catchall(value));

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const MediaObject = z
  .object({
    id: z.string(),
    link: z.url(),
    caption: z.string().nullable(),
    extension: z.string(),
    width: z.number().int(),
    height: z.number().int(),
    filesize: z.number().int().describe('Stored bytes'),
    created_at: z.number().int().describe('Unix seconds'),
    expires_at: z.number().int().optional().describe('Unix seconds; absent for permanent media'),
    external_id: z.string().optional(),
  })
  .catchall(z.string().describe('Attribution metadata'));

const ErrorBody = z.object({
  error: z.string().describe('Machine-readable code, e.g. validation_error'),
  message: z.string(),
  errors: z.record(z.string(), z.array(z.string())).optional().describe('Field-level problems (422)'),
  action: z
    .object({
      type: z.enum(['upgrade', 'wait']),
      url: z.string().optional(),
      label: z.string().optional(),
      seconds: z.number().optional(),
    })
    .optional(),
  request_id: z.string(),
});

const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((code) => [
      code,
      { description: ERROR_TEXT[code], content: { 'application/json': { schema: ref('Error') } } },
    ]),
  );

const ERROR_TEXT: Record<number, string> = {
  401: 'Missing or invalid API key',
  403: 'The key lacks the needed ability (forbidden), or a quota is reached (quota_exceeded, with an upgrade action)',
  404: 'No such image, or not yours',
  409: 'external_id already used in this team',
  422: 'Invalid input; see `errors`',
  429: 'Anonymous rate limit reached; see Retry-After and the wait action',
  500: 'Server error',
};

const jsonBody = (schema: object) => ({ required: true, content: { 'application/json': { schema } } });
const media = (description: string) => ({
  description,
  content: { 'application/json': { schema: ref('Media') } },
});
const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const keyed = [{ bearer: [] }];
const optionalKey = [{}, { bearer: [] }];

/** Servers are relative: the document is served by the API it describes. */
export const openApiDocument = () => ({
  openapi: '3.1.0',
  info: {
    title: 'imgpro API',
    version: '1.0.0',
    description: 'Self-hosted, img.pro-compatible image sharing API.',
  },
  servers: [{ url: '/' }],
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: { Media: jsonSchema(MediaObject), Error: jsonSchema(ErrorBody) },
  },
  paths: {
    '/v1/upload': {
      post: {
        summary: 'Upload an image (multipart)',
        security: optionalKey,
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: withAttribution(
                UploadKnownFields.extend({ file: z.string().describe('The image (binary)') }),
                AttributionValue,
              ),
              encoding: { file: { contentType: 'application/octet-stream' } },
            },
          },
        },
        responses: { 201: media('Stored'), ...errors(401, 403, 409, 422, 429, 500) },
      },
    },
    '/v1/import': {
      post: {
        summary: 'Import an image from a URL (same response as upload)',
        security: optionalKey,
        requestBody: jsonBody(withAttribution(ImportKnownFields, AttributionValue)),
        responses: {
          201: media('Stored'),
          ...errors(401, 403, 409, 422, 429, 500),
          502: {
            description: 'The URL could not be fetched (fetch_failed)',
            content: { 'application/json': { schema: ref('Error') } },
          },
          504: {
            description: 'Fetching the URL timed out (fetch_failed)',
            content: { 'application/json': { schema: ref('Error') } },
          },
        },
      },
    },
    '/v1/uploads': {
      post: {
        summary: 'Start a direct upload to storage (for files too large for /v1/upload)',
        security: optionalKey,
        requestBody: jsonBody(withAttribution(DirectUploadKnownFields, AttributionValue)),
        responses: {
          201: {
            description: 'A presigned POST: send the form fields and then the file to `upload.url`',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    upload_id: { type: 'string' },
                    upload: {
                      type: 'object',
                      properties: {
                        url: { type: 'string' },
                        method: { const: 'POST' },
                        fields: { type: 'object', additionalProperties: { type: 'string' } },
                      },
                    },
                    expires_at: { type: 'integer' },
                  },
                },
              },
            },
          },
          ...errors(401, 403, 422, 429, 500),
        },
      },
    },
    '/v1/uploads/{upload_id}/complete': {
      parameters: [{ name: 'upload_id', in: 'path', required: true, schema: { type: 'string' } }],
      post: {
        summary: 'Validate the uploaded file and store it as media',
        security: optionalKey,
        responses: { 201: media('Stored'), ...errors(401, 403, 404, 409, 422, 429, 500) },
      },
    },
    '/v1/media': {
      get: {
        summary: "List the team's media, newest first",
        security: keyed,
        parameters: Object.entries(jsonSchema(ListQuery).properties ?? {}).map(([name, schema]) => ({
          name,
          in: 'query',
          schema,
        })),
        responses: {
          200: {
            description: 'A page of media',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    data: { type: 'array', items: ref('Media') },
                    next_cursor: { type: ['string', 'null'] },
                    has_more: { type: 'boolean' },
                  },
                },
              },
            },
          },
          ...errors(401, 403, 422),
        },
      },
    },
    '/v1/media/{id}': {
      parameters: [idParameter],
      get: {
        summary: 'Get one image',
        security: optionalKey,
        responses: { 200: media('The image'), ...errors(401, 403, 404) },
      },
      patch: {
        summary: 'Update caption, visibility, ttl or attribution metadata',
        security: keyed,
        requestBody: jsonBody(withAttribution(PatchKnownFields, AttributionValue.nullable())),
        responses: { 200: media('Updated'), ...errors(401, 403, 404, 422) },
      },
      delete: {
        summary: 'Delete an image',
        security: keyed,
        responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404) },
      },
    },
    '/v1/usage': {
      get: {
        summary: "The team's monthly uploads and storage against its plan",
        security: keyed,
        responses: {
          200: {
            description: 'Usage',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    monthly: {
                      type: 'object',
                      properties: Object.fromEntries(
                        ['uploads', 'uploads_limit', 'uploads_remaining', 'resets_at'].map((name) => [
                          name,
                          { type: 'integer' },
                        ]),
                      ),
                    },
                    totals: {
                      type: 'object',
                      properties: Object.fromEntries(
                        [
                          'media_stored',
                          'storage_used_bytes',
                          'storage_limit_bytes',
                          'storage_remaining_bytes',
                        ].map((name) => [name, { type: 'integer' }]),
                      ),
                    },
                    plan: { type: 'string', enum: [...PLAN_NAMES] },
                  },
                },
              },
            },
          },
          ...errors(401, 403),
        },
      },
    },
    '/v1/media/batch': {
      patch: {
        summary: 'Update up to 100 images',
        security: keyed,
        requestBody: jsonBody(jsonSchema(BatchPatchKnownFields.strict())),
        responses: {
          200: {
            description: 'What was updated, and which ids were not found',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    updated: { type: 'integer' },
                    media: { type: 'array', items: ref('Media') },
                    not_found: { type: 'array', items: { type: 'string' } },
                  },
                },
              },
            },
          },
          ...errors(401, 403, 422),
        },
      },
      delete: {
        summary: 'Delete up to 100 images',
        security: keyed,
        requestBody: jsonBody(jsonSchema(z.object({ ids: MediaIds }).strict())),
        responses: {
          200: {
            description: 'How many were deleted, and which ids were not found',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    deleted: { type: 'integer' },
                    not_found: { type: 'array', items: { type: 'string' } },
                  },
                },
              },
            },
          },
          ...errors(401, 403, 422),
        },
      },
    },
  },
});
