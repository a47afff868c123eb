import { createHash } from 'node:crypto';
import { VARIANTS_PREFIX } from '#core/store/object-keys';
import type { ObjectStore, StoredObject } from '#core/store/object-store';

/**
 * The variant store: rendered variants kept in the bucket, so a CDN miss of a variant rendered
 * before (another edge, an eviction) costs an S3 read instead of a render.
 *
 * A variant lives at `variants/<media id>/<fingerprint>`, the fingerprint a hash of everything that
 * decides its bytes besides the original (which never changes under a media id): the pipeline
 * (transform version and library versions) and the served canonical query, the metadata policy
 * the owner allows included. A new pipeline or another policy is another key, so stale bytes are
 * never read, only left to the bucket's lifecycle rule. Everything a media has sits under one
 * prefix, removed in one listing when the media is deleted, expires or is hidden.
 */
export interface VariantStore {
  /** The stored variant; undefined when there is none. */
  get(mediaId: string, fingerprint: string): Promise<StoredObject | undefined>;
  /** Stores a rendered variant; `signal` abandons the write. */
  put(mediaId: string, fingerprint: string, variant: StoredObject, signal?: AbortSignal): Promise<void>;
  /** Removes every stored variant of the media; how many there were. */
  removeAll(mediaId: string): Promise<number>;
}

/** Where the variants of a media are (its prefix: a listing of it finds them all). */
export const variantsOf = (mediaId: string): string => `${VARIANTS_PREFIX}${mediaId}/`;

export const variantKey = (mediaId: string, fingerprint: string): string =>
  `${variantsOf(mediaId)}${fingerprint}`;

/**
 * A variant's name under its media: 32 base64url characters (192 bits) of a SHA-256 of `parts`,
 * so a key stays short however long the query.
 */
export const variantFingerprint = (...parts: Array<string | number>): string =>
  createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 32);

export const createVariantStore = (
  objects: Pick<ObjectStore, 'read' | 'put' | 'deleteUnder'>,
): VariantStore => ({
  get: (mediaId, fingerprint) => objects.read(variantKey(mediaId, fingerprint)),
  put: (mediaId, fingerprint, { body, contentType }, signal) =>
    objects.put(variantKey(mediaId, fingerprint), body, contentType, { signal }),
  removeAll: (mediaId) => objects.deleteUnder(variantsOf(mediaId)),
});
