import {
  ATTRIBUTION_MAX_FIELDS,
  ATTRIBUTION_VALUE_MAX_CHARS,
  attributionNameProblem,
  BATCH_MAX_IDS,
  CAPTION_MAX_CHARS,
  LEGACY_FIELDS,
  type MediaChanges,
  tooManyAttributionFields,
  type UploadFields,
} from '#core/media/fields';
import { parseTtl } from '#core/ttl';
import * as z from '#core/zod-mini';

/**
 * The API's requests as it parses them: one zod schema per request, turning the wire's field
 * names and forms into what the services take. Every problem is reported at once, as the 422's
 * field errors. The OpenAPI document describes the requests from these same schemas.
 */

export const Caption = z
  .string()
  .check(z.maxLength(CAPTION_MAX_CHARS, `The caption must be at most ${CAPTION_MAX_CHARS} characters.`));

export const Ttl = z.pipe(
  z.string(),
  z.transform((value, ctx) => {
    const result = parseTtl(value);
    if (result.ok) return result.seconds;
    ctx.issues.push({ code: 'custom', message: result.problem, input: value });
    return z.NEVER;
  }),
);

export const ExternalId = z
  .string()
  .check(z.regex(/^[\x21-\x7e]{1,255}$/, 'The external_id must be 1–255 visible ASCII characters.'));

export const AttributionValue = z
  .string()
  .check(
    z.maxLength(
      ATTRIBUTION_VALUE_MAX_CHARS,
      `Values must be at most ${ATTRIBUTION_VALUE_MAX_CHARS} characters.`,
    ),
  );

type Issue = { path: string[]; message: string };

/**
 * Problems with attribution entries: each name, each value, and their count. Run on the raw
 * entries (not through a zod object) so that a name like `__proto__` is seen, not silently dropped.
 */
export const attributionIssues = (
  entries: [string, unknown][],
  value: z.ZodMiniType = AttributionValue,
): Issue[] => {
  const issues: Issue[] = entries.flatMap(([name, input]): Issue[] => {
    const problem = attributionNameProblem(name);
    if (problem) return [{ path: [name], message: problem }];
    const checked = value.safeParse(input);
    return checked.success
      ? []
      : checked.error.issues.map((issue) => ({ path: [name], message: issue.message }));
  });
  if (entries.length > ATTRIBUTION_MAX_FIELDS)
    issues.push({ path: ['metadata'], message: tooManyAttributionFields() });
  return issues;
};

const FieldMap = z.custom<Record<string, unknown>>(
  (input) => typeof input === 'object' && input !== null && !Array.isArray(input),
  'Expected an object of fields.',
);

/**
 * Splits caller-supplied fields into the known ones (parsed by `known`) and attribution metadata
 * (checked by `attributionValue`, or refused when undefined), reporting every problem at once.
 */
const splitFields = <Known extends z.ZodMiniObject>(
  input: Record<string, unknown>,
  ctx: z.core.ParsePayload,
  known: Known,
  attributionValue: z.ZodMiniType | undefined,
): { known: z.output<Known>; attribution: [string, unknown][] } | undefined => {
  const entries = Object.entries(input);
  const isKnown = (name: string) => Object.hasOwn(known.shape, name);
  const parsed = known.safeParse(Object.fromEntries(entries.filter(([name]) => isKnown(name))));
  const attribution = entries.filter(([name]) => !isKnown(name));
  const issues: Issue[] = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map(({ path, message }) => ({ path: path.map(String), message }))),
    ...(attributionValue
      ? attributionIssues(attribution, attributionValue)
      : attribution.map(([name]) => ({ path: [name], message: `"${name}" cannot be set here.` }))),
  ];
  for (const issue of issues) ctx.issues.push({ code: 'custom', ...issue, input });
  return parsed.success && issues.length === 0 ? { known: parsed.data, attribution } : undefined;
};

/** A form field's boolean: the text "true" or "false". */
const FormBoolean = (name: string) =>
  z.pipe(
    z.enum(['true', 'false'], `${name} must be "true" or "false".`),
    z.transform((value) => value === 'true'),
  );

/** A JSON field's boolean: true or false, or the form's "true" and "false". */
const JsonBoolean = (name: string) =>
  z.union([z.boolean(), FormBoolean(name)], `${name} must be true or false.`);

const KEEP_METADATA_DESCRIPTION =
  "Whether `metadata=keep` on the viewer link serves the original's full metadata (GPS position, camera " +
  'and device tags). Off by default: `keep` then serves what `copyright` serves.';

/** Documents a field in the OpenAPI document (what classic zod's `.meta()` does). */
const described = <T extends z.ZodMiniType>(schema: T, description: string): T => {
  z.globalRegistry.add(schema, { description });
  return schema;
};

export const UploadKnownFields = z.object({
  caption: z.optional(Caption),
  ttl: z.optional(Ttl),
  external_id: z.optional(ExternalId),
  public: z.optional(FormBoolean('public')),
  keep_metadata: described(z.optional(FormBoolean('keep_metadata')), KEEP_METADATA_DESCRIPTION),
});

/** The text fields of a multipart upload (the file part is handled apart), every problem reported at once. */
export const UploadForm = z.pipe(
  FieldMap,
  z.transform((input, ctx) => {
    const fields = splitFields(input, ctx, UploadKnownFields, AttributionValue);
    return fields ? toUploadFields(fields.known, fields.attribution) : z.NEVER;
  }),
);

/** In JSON a ttl may also be a plain number of seconds. */
const JsonTtl = z.pipe(z.union([z.pipe(z.number().check(z.int()), z.transform(String)), z.string()]), Ttl);

/** The upload fields as JSON (import and direct uploads): booleans and numbers where JSON has them. */
const JsonUploadKnownFields = z.extend(UploadKnownFields, {
  ttl: z.optional(JsonTtl),
  public: z.optional(
    z.union([
      z.boolean(),
      z.pipe(
        z.enum(['true', 'false']),
        z.transform((value) => value === 'true'),
      ),
    ]),
  ),
  keep_metadata: described(z.optional(JsonBoolean('keep_metadata')), KEEP_METADATA_DESCRIPTION),
});

const toUploadFields = (
  known: z.output<typeof UploadKnownFields>,
  attribution: [string, unknown][],
): UploadFields => ({
  caption: known.caption || undefined,
  ttlSeconds: known.ttl,
  externalId: known.external_id,
  public: known.public !== false,
  keepMetadata: known.keep_metadata === true,
  attribution: Object.fromEntries(attribution) as Record<string, string>,
});

export const ImportKnownFields = z.extend(JsonUploadKnownFields, {
  url: z
    .string('A url to import from is required.')
    .check(z.maxLength(2_048, 'The url must be at most 2,048 characters.')),
});

/** POST /v1/import — a URL plus the same fields an upload takes, as JSON. */
export const ImportRequest = z.pipe(
  FieldMap,
  z.transform((input, ctx) => {
    const fields = splitFields(input, ctx, ImportKnownFields, AttributionValue);
    return fields
      ? { url: fields.known.url, fields: toUploadFields(fields.known, fields.attribution) }
      : z.NEVER;
  }),
);

export const DirectUploadKnownFields = z.extend(JsonUploadKnownFields, {
  size: z
    .number('size must be the file size in bytes.')
    .check(z.int('size must be a whole number of bytes.'), z.minimum(1, 'size must be at least 1 byte.')),
  /** Accepted for clients that send it; the format always comes from the bytes. */
  filename: z.optional(z.string().check(z.maxLength(255))),
});

/** POST /v1/uploads — the declared size plus the same fields an upload takes, as JSON. */
export const DirectUploadRequest = z.pipe(
  FieldMap,
  z.transform((input, ctx) => {
    const fields = splitFields(input, ctx, DirectUploadKnownFields, AttributionValue);
    return fields
      ? { size: fields.known.size, fields: toUploadFields(fields.known, fields.attribution) }
      : z.NEVER;
  }),
);

const refuseLegacy = (name: string) => z.optional(z.never({ error: `"${name}" cannot be updated.` }));

export const PatchKnownFields = z.object({
  caption: z.optional(z.nullable(Caption)),
  public: z.optional(z.boolean('public must be true or false.')),
  keep_metadata: described(
    z.optional(z.boolean('keep_metadata must be true or false.')),
    KEEP_METADATA_DESCRIPTION,
  ),
  ttl: z.optional(z.nullable(JsonTtl)),
  ...Object.fromEntries([...LEGACY_FIELDS].map((name) => [name, refuseLegacy(name)])),
});

const toChanges = (
  known: z.output<typeof PatchKnownFields>,
  attribution: [string, unknown][],
): MediaChanges => ({
  ...(known.caption !== undefined && { caption: known.caption || null }),
  ...(known.public !== undefined && { public: known.public }),
  ...(known.keep_metadata !== undefined && { keepMetadata: known.keep_metadata }),
  ...(known.ttl !== undefined && { ttlSeconds: known.ttl }),
  attribution: Object.fromEntries(attribution) as Record<string, string | null>,
});

/** PATCH /v1/media/:id — caption, public, keep_metadata, ttl and attribution metadata. */
export const MediaPatchRequest = z.pipe(
  FieldMap,
  z.transform((input, ctx) => {
    const fields = splitFields(input, ctx, PatchKnownFields, z.nullable(AttributionValue));
    return fields ? toChanges(fields.known, fields.attribution) : z.NEVER;
  }),
);

export const MediaIds = z
  .array(z.string().check(z.minLength(1), z.maxLength(64)), 'ids must be a list of media ids.')
  .check(
    z.minLength(1, 'ids must not be empty.'),
    z.maxLength(BATCH_MAX_IDS, `At most ${BATCH_MAX_IDS} ids are allowed.`),
    z.refine((ids) => new Set(ids).size === ids.length, 'ids must not repeat.'),
  );

export const BatchPatchKnownFields = z.extend(
  z.pick(PatchKnownFields, { caption: true, public: true, keep_metadata: true, ttl: true }),
  { ids: MediaIds },
);

/** PATCH /v1/media/batch — the same caption/public/keep_metadata/ttl change on up to 100 media. */
export const BatchPatchRequest = z.pipe(
  FieldMap,
  z.transform((input, ctx) => {
    const fields = splitFields(input, ctx, BatchPatchKnownFields, undefined);
    if (!fields) return z.NEVER;
    const { ids, ...known } = fields.known;
    return { ids, changes: toChanges(known, []) };
  }),
);

/** DELETE /v1/media/batch */
export const BatchDeleteRequest = z.pipe(
  FieldMap,
  z.transform((input, ctx) => {
    const fields = splitFields(input, ctx, z.object({ ids: MediaIds }), undefined);
    return fields ? fields.known : z.NEVER;
  }),
);

const LIMIT_PROBLEM = 'limit must be an integer from 1 to 100.';

/** GET /v1/media query: `limit`, `cursor`, or `ids` (comma-separated). */
export const ListMediaQuery = z.looseObject({
  limit: z._default(
    z.pipe(
      z.pipe(z.string().check(z.regex(/^\d{1,3}$/, LIMIT_PROBLEM)), z.transform(Number)),
      z.number().check(z.minimum(1, LIMIT_PROBLEM), z.maximum(100, LIMIT_PROBLEM)),
    ),
    50,
  ),
  cursor: z.optional(z.string()),
  ids: z.optional(
    z.pipe(
      z.pipe(
        z.string(),
        z.transform((list) => [...new Set(list.split(',').map((id) => id.trim()))]),
      ),
      z
        .array(z.string().check(z.minLength(1, 'ids must be a comma-separated list of ids.')))
        .check(z.maxLength(BATCH_MAX_IDS, `At most ${BATCH_MAX_IDS} ids are allowed.`)),
    ),
  ),
});

/** POST /v1/keys: who asks for a key, and the name of the team it makes. */
export const RegisterKeyRequest = z.strictObject({
  email: z.pipe(
    z
      .string('The email must be a string.')
      .check(z.trim(), z.maxLength(254, 'The email must be at most 254 characters.')),
    z.email('The email must be a valid email address.'),
  ),
  name: z
    .string('The name must be a string.')
    .check(
      z.trim(),
      z.minLength(1, 'A name is required.'),
      z.maxLength(100, 'The name must be at most 100 characters.'),
    ),
});
