import { z } from 'zod';
import { parseTtl } from '#core/ttl';

/**
 * What callers may attach to media: the known fields and free-form attribution metadata, with the
 * limits that keep an item small and stop a field from overwriting what the server owns.
 */
export const CAPTION_MAX_CHARS = 2_000;
export const ATTRIBUTION_MAX_FIELDS = 20;
export const ATTRIBUTION_VALUE_MAX_CHARS = 1_000;

/** Names the server owns in the media object, plus legacy fields the reference refuses on update. */
const RESERVED_NAMES = new Set([
  'id',
  'link',
  'caption',
  'extension',
  'width',
  'height',
  'filesize',
  'created_at',
  'expires_at',
  'deleted_at',
  'upgrade',
  'public',
  'ttl',
  'file',
  'url',
  'external_id',
  'team_id',
  'tags',
  'namespace',
  'nsfw',
  'tool',
  'defaults',
  'description',
]);

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Why `name` cannot be an attribution field, or undefined when it can. */
export const attributionNameProblem = (name: string): string | undefined => {
  if (!NAME_PATTERN.test(name)) {
    return 'Field names must start with a letter and contain only letters, digits and _ (at most 64).';
  }
  // `constructor`, `toString`, … would shadow Object.prototype wherever the map becomes an object.
  if (RESERVED_NAMES.has(name) || name in Object.prototype) return `"${name}" is a reserved field name.`;
  return undefined;
};

export const Caption = z
  .string()
  .max(CAPTION_MAX_CHARS, `The caption must be at most ${CAPTION_MAX_CHARS} characters.`);

export const Ttl = z.string().transform((value, ctx) => {
  const result = parseTtl(value);
  if (result.ok) return result.seconds;
  ctx.addIssue({ code: 'custom', message: result.problem });
  return z.NEVER;
});

export const ExternalId = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'The external_id must be 1–255 visible ASCII characters.');

export const AttributionValue = z
  .string()
  .max(ATTRIBUTION_VALUE_MAX_CHARS, `Values must be at most ${ATTRIBUTION_VALUE_MAX_CHARS} characters.`);

type Issue = { path: string[]; message: string };

/**
 * Problems with attribution entries: each name, each value, and their count. Run on the raw
 * entries (not through a zod object) so that a name like `__proto__` is seen, not silently dropped.
 */
export const attributionIssues = (entries: [string, unknown][]): Issue[] => {
  const issues: Issue[] = entries.flatMap(([name, value]): Issue[] => {
    const problem = attributionNameProblem(name);
    if (problem) return [{ path: [name], message: problem }];
    const checked = AttributionValue.safeParse(value);
    return checked.success
      ? []
      : checked.error.issues.map((issue) => ({ path: [name], message: issue.message }));
  });
  if (entries.length > ATTRIBUTION_MAX_FIELDS) {
    issues.push({
      path: ['metadata'],
      message: `At most ${ATTRIBUTION_MAX_FIELDS} attribution fields are allowed.`,
    });
  }
  return issues;
};

const KnownUploadFields = z.object({
  caption: Caption.optional(),
  ttl: Ttl.optional(),
  external_id: ExternalId.optional(),
  public: z.enum(['true', 'false'], 'public must be "true" or "false".').optional(),
});
type KnownUploadField = keyof typeof KnownUploadFields.shape;
const isKnownUploadField = (name: string): name is KnownUploadField =>
  Object.hasOwn(KnownUploadFields.shape, name);

/** The text fields of a multipart upload (the file part is handled apart), every problem reported at once. */
export const UploadFields = z
  .custom<Record<string, string>>(
    (input) => typeof input === 'object' && input !== null,
    'Expected form fields.',
  )
  .transform((input, ctx) => {
    const entries = Object.entries(input);
    const known = KnownUploadFields.safeParse(
      Object.fromEntries(entries.filter(([name]) => isKnownUploadField(name))),
    );
    const attribution = entries.filter(([name]) => !isKnownUploadField(name));
    const issues = [
      ...(known.success
        ? []
        : known.error.issues.map(({ path, message }) => ({ path: path.map(String), message }))),
      ...attributionIssues(attribution),
    ];
    for (const issue of issues) ctx.addIssue({ code: 'custom', ...issue });
    if (!known.success || issues.length > 0) return z.NEVER;
    const { caption, ttl, external_id, public: isPublic } = known.data;
    return {
      caption: caption || undefined,
      ttlSeconds: ttl,
      externalId: external_id,
      public: isPublic !== 'false',
      attribution: Object.fromEntries(attribution) as Record<string, string>,
    };
  });
export type UploadFields = z.output<typeof UploadFields>;
