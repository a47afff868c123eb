import * as z from 'zod';
import { ATTRIBUTION_VALUE_MAX_CHARS } from '#core/media/fields';
import { PLAN_NAMES } from '#core/plans';

/**
 * What the API answers, as zod schemas: the response bodies of every route (their headers are in
 * headers.ts). The builders in bodies.ts are typed by them, the OpenAPI document is generated from
 * them (with the requests of requests.ts), and an end-to-end test checks real answers against it.
 */

/**
 * An object whose other properties are attribution metadata (strings). The schema says what else
 * may stand there as the union of its own properties' types and the attribution value: generated
 * clients turn it into an index signature, which must admit every listed property or they lose
 * their types.
 */
export const withAttribution = <Shape extends z.ZodRawShape>(shape: Shape, value: z.core.$ZodType) =>
  z.object(shape).catchall(
    z
      .union([
        value,
        // Read from the definition: the requests are zod/mini, the answers classic zod.
        ...Object.values(shape).map((schema: z.core.$ZodType) =>
          schema._zod.def.type === 'optional' ? (schema as z.core.$ZodOptional)._zod.def.innerType : schema,
        ),
      ] as [z.core.$ZodType, ...z.core.$ZodType[]])
      .meta({
        description: `Attribution metadata: any property not listed, a string of at most ${ATTRIBUTION_VALUE_MAX_CHARS} characters`,
      }),
  );

const SizedVariant = z.object({
  url: z.url().meta({
    description: 'The link with `?size=<name>`; add `&format=auto` for AVIF or WebP where accepted',
  }),
  width: z.int(),
  height: z.int(),
});

const unixSeconds = (description: string) => z.int().meta({ description: `${description} (Unix seconds)` });

const hexColour = (description: string) =>
  z
    .string()
    .regex(/^#[0-9a-f]{6}$/)
    .meta({ description, examples: ['#c81e1e'] });

const Placeholder = z
  .object({
    thumbhash: z.string().meta({
      description: 'ThumbHash (base64, about 25 bytes): a blurred preview with alpha and aspect ratio',
      examples: ['lVoDBYBID2Z2eHeJh3iIdp+I8YuH'],
    }),
    blurhash: z
      .string()
      .meta({ description: 'BlurHash, 4×3 components', examples: ['L3M^z|]TfQ]T|wjtfQjtfQfQfQfQ'] }),
    dominant_color: hexColour('The most common colour, transparent pixels not counted'),
    average_color: hexColour('The mean colour, weighted by opacity'),
  })
  .meta({
    id: 'Placeholder',
    description: 'What to paint before the image arrives; computed once when the image was stored',
  });

/**
 * Facts computed at ingest. Absent on media stored before they existed until the backfill has
 * reached them (the cleanup schedule does, a few at a time; `admin backfill facts` does at once).
 */
const factFields = {
  placeholder: Placeholder.optional(),
  has_alpha: z.boolean().optional().meta({ description: 'Some pixel is not fully opaque' }),
  animated: z.boolean().optional(),
  frames: z.int().optional().meta({ description: 'Frames of an animation; 1 for a still image' }),
  color_space: z
    .string()
    .optional()
    .meta({
      description: 'The embedded ICC profile’s name (e.g. "Display P3"), else srgb, cmyk or b-w',
      examples: ['srgb'],
    }),
};

/** The media object's own fields: what the listing shows of each item. */
const mediaFields = {
  id: z.string().meta({ description: 'The media id, 14 base62 characters', examples: ['9bQw1ZkT3xYc2L'] }),
  link: z
    .url()
    .meta({ description: 'The viewer link: the HTML page for browsers, the image for everyone else' }),
  caption: z.string().nullable(),
  extension: z
    .string()
    .meta({ description: 'Format as stored: jpeg, png, gif, webp, avif, svg, bmp, ico; jpg for HEIC' }),
  width: z.int(),
  height: z.int(),
  sizes: z.object({ small: SizedVariant, medium: SizedVariant, large: SizedVariant }).meta({
    description:
      'Ready-made responsive variants, as img.pro answers them: the short side at most 320, 640 and 1080 px ' +
      '(the long side for images twice as long as wide), never enlarged. For a 1200×630 social card, ' +
      'add `?size=social` to the link',
  }),
  filesize: z.int().meta({ description: 'Stored bytes' }),
  ...factFields,
  created_at: unixSeconds('When it was stored'),
  expires_at: unixSeconds('When it expires; absent for permanent media').optional(),
  public: z.boolean().meta({
    description:
      'Whether anyone may see it without a key, on its viewer link and here; private media are not found ' +
      'but by their team. `PATCH {"public": …}` changes it',
  }),
  external_id: z.string().optional(),
  keep_metadata: z
    .literal(true)
    .optional()
    .meta({
      description:
        'Present (true) when the owner lets `metadata=keep` on the link serve the full metadata (GPS included); ' +
        'absent: `keep` serves what `copyright` serves',
    }),
};

export const MediaSummary = z.object(mediaFields).meta({
  id: 'MediaSummary',
  description: 'A media object as the listing shows it: without attribution metadata',
});

export const MediaBody = withAttribution(mediaFields, z.string()).meta({
  id: 'Media',
  description: 'A media object, with its attribution metadata at the top level',
});

const Upgrade = z
  .object({
    type: z.literal('register'),
    url: z.url(),
    message: z.string(),
    label: z.string(),
  })
  .meta({ description: 'How to keep images longer (anonymous uploads only)' });

export const UploadBody = withAttribution({ ...mediaFields, upgrade: Upgrade.optional() }, z.string()).meta({
  id: 'Upload',
  description: 'The media stored: the media object, plus `upgrade` for an anonymous upload',
});

export const ListBody = z.object({
  data: z.array(MediaSummary),
  next_cursor: z
    .string()
    .nullable()
    .meta({ description: 'Pass as `cursor` for the next page; null on the last' }),
  has_more: z.boolean(),
});

export const BatchUpdateBody = z.object({
  updated: z.int(),
  media: z.array(MediaBody),
  not_found: z.array(z.string()),
});

export const BatchDeleteBody = z.object({
  deleted: z.int(),
  not_found: z.array(z.string()),
});

/** The signed one-click upgrade link of a reached quota, as a refusal and the usage carry it. */
const UpgradeAction = z.object({ type: z.literal('upgrade'), url: z.url(), label: z.string() });

export const UsageBody = z
  .object({
    monthly: z.object({
      uploads: z.int(),
      uploads_limit: z.int(),
      uploads_remaining: z.int(),
      resets_at: unixSeconds('When the monthly count starts again'),
    }),
    totals: z.object({
      media_stored: z.int(),
      storage_used_bytes: z.int(),
      storage_limit_bytes: z.int(),
      storage_remaining_bytes: z.int(),
    }),
    plan: z.enum(PLAN_NAMES),
    action: UpgradeAction.optional().meta({
      description:
        'In GET /v1/usage once the monthly uploads or the storage are used up: the signed upgrade link ' +
        'an upload would be refused with',
    }),
  })
  .meta({ id: 'Usage' });

export const DirectUploadBody = z.object({
  upload_id: z.string(),
  upload: z.object({
    url: z.url(),
    method: z.literal('POST'),
    fields: z
      .record(z.string(), z.string())
      .meta({ description: 'Form fields to send before the file, as they are' }),
  }),
  expires_at: unixSeconds('When the upload must be completed by'),
});

const ImageDescription = {
  format: z.string().meta({ description: 'jpeg, png, gif, webp, avif, svg, bmp or ico', examples: ['webp'] }),
  content_type: z.string().meta({ examples: ['image/webp'] }),
  width: z.int(),
  height: z.int().meta({ description: 'Of one frame, for an animation' }),
  bytes: z.int(),
};

/** A viewer link with `format=json`. */
export const ViewerFactsBody = z
  .object({
    id: z.string(),
    original: z.object({ ...ImageDescription, ...factFields }).meta({
      description: 'The stored image, with its placeholder and facts',
    }),
    variant: z.object(ImageDescription).meta({
      description: 'What the same link without format=json serves: rendered, so its size in bytes is exact',
    }),
  })
  .meta({ id: 'ViewerFacts' });

export const KeyBody = z
  .object({
    key: z.string().meta({ description: 'The API key (imgpro_…): shown this once, only its hash is stored' }),
    key_id: z.string(),
    team_id: z.string(),
    name: z.string().meta({ description: "The team's name" }),
    email: z.email(),
    plan: z.literal('free'),
    created_at: unixSeconds('When the key was made'),
  })
  .meta({ id: 'Key' });

export const ErrorBody = z
  .object({
    error: z.string().meta({ description: 'Machine-readable code, e.g. validation_error' }),
    message: z.string(),
    errors: z
      .record(z.string(), z.array(z.string()))
      .optional()
      .meta({ description: 'Field-level problems (validation_error)' }),
    action: z
      .union([
        UpgradeAction,
        z.object({ type: z.literal('wait'), seconds: z.int(), label: z.string().optional() }),
        z.object({ type: z.literal('contact'), label: z.string(), url: z.url().optional() }),
      ])
      .optional(),
    usage: UsageBody.optional().meta({ description: "The team's usage (quota_exceeded)" }),
    request_id: z.string(),
  })
  .meta({ id: 'Error' });

export type MediaSummary = z.infer<typeof MediaSummary>;
export type MediaBody = z.infer<typeof MediaBody>;
export type UploadBody = z.infer<typeof UploadBody>;
export type ListBody = z.infer<typeof ListBody>;
export type BatchUpdateBody = z.infer<typeof BatchUpdateBody>;
export type BatchDeleteBody = z.infer<typeof BatchDeleteBody>;
export type UsageBody = z.infer<typeof UsageBody>;
export type DirectUploadBody = z.infer<typeof DirectUploadBody>;
export type ErrorBody = z.infer<typeof ErrorBody>;
export type ViewerFactsBody = z.infer<typeof ViewerFactsBody>;

export type KeyBody = z.infer<typeof KeyBody>;
