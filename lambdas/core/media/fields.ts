import { fieldError } from '#core/errors';

/**
 * What callers may attach to media: the known fields and free-form attribution metadata, with the
 * limits that keep an item small and stop a field from overwriting what the server owns. The
 * requests that carry them are parsed in core/http/requests.ts.
 */
export const CAPTION_MAX_CHARS = 2_000;
export const ATTRIBUTION_MAX_FIELDS = 20;
export const ATTRIBUTION_VALUE_MAX_CHARS = 1_000;

/** Legacy fields of the hosted service that cannot be set here; the reference answers 422 for them. */
export const LEGACY_FIELDS: ReadonlySet<string> = new Set([
  'tags',
  'namespace',
  'nsfw',
  'tool',
  'defaults',
  'description',
]);

/** Names the server owns in the media object, plus legacy fields the reference refuses on update. */
const RESERVED_NAMES = new Set([
  'id',
  'link',
  'caption',
  'extension',
  'width',
  'height',
  'sizes',
  'filesize',
  'created_at',
  'expires_at',
  'deleted_at',
  'upgrade',
  'public',
  'keep_metadata',
  'ttl',
  'file',
  'url',
  'external_id',
  'team_id',
  // Facts computed at ingest (see http/contract.ts).
  'placeholder',
  'has_alpha',
  'animated',
  'frames',
  'color_space',
  ...LEGACY_FIELDS,
]);

/** What an attribution field's name looks like (the dashboard's filter reads `name:value` by it too). */
export const ATTRIBUTION_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Why `name` cannot be an attribution field, or undefined when it can. */
export const attributionNameProblem = (name: string): string | undefined => {
  if (!ATTRIBUTION_NAME_PATTERN.test(name)) {
    return 'Field names must start with a letter and contain only letters, digits and _ (at most 64).';
  }
  // `constructor`, `toString`, … would shadow Object.prototype wherever the map becomes an object.
  if (RESERVED_NAMES.has(name) || name in Object.prototype) return `"${name}" is a reserved field name.`;
  return undefined;
};

export const BATCH_MAX_IDS = 100;

/** A file over a plan's limit is a problem with `field`, naming the limit in MB as the plans do. */
export const fileTooLarge = (field: string, limitBytes: number, what = 'The file') =>
  fieldError(field, `${what} may be at most ${Math.round(limitBytes / 1024 ** 2)} MB.`);

export const tooManyAttributionFields = (): string =>
  `At most ${ATTRIBUTION_MAX_FIELDS} attribution fields are allowed.`;

/** What every way of uploading (multipart, import, direct) hands the media service. */
export interface UploadFields {
  caption: string | undefined;
  ttlSeconds: number | undefined;
  externalId: string | undefined;
  public: boolean;
  /** `metadata=keep` on viewer links serves the full metadata (else what `copyright` serves). */
  keepMetadata: boolean;
  attribution: Record<string, string>;
}

/** What a PATCH may change. `null` clears the caption, makes media permanent, or removes a metadata key. */
export interface MediaChanges {
  /** undefined = unchanged; null = cleared. */
  caption?: string | null;
  public?: boolean;
  keepMetadata?: boolean;
  /** undefined = unchanged; null = permanent. */
  ttlSeconds?: number | null;
  /** null removes the key. */
  attribution: Record<string, string | null>;
}
