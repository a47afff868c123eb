import { LRUCache } from 'lru-cache';
import type { ObjectStore } from './object-store.ts';

export interface CachedReads extends Pick<ObjectStore, 'get'> {
  /** The object if it is in memory now, else undefined; never reads S3. */
  held(key: string): Uint8Array | undefined;
}

/**
 * Reads kept in memory, least recently used first out, up to `maxBytes`: for objects that never
 * change once written, such as originals (one key per media id, written once, only ever deleted).
 * A warm viewer asked for several variants of one image (widths, formats, every CloudFront edge
 * that misses) then reads S3 once instead of once per variant.
 *
 * It caches bytes, not answers: whoever reads must already have decided the object may be served
 * (the viewer looks the record up on every request, so a deleted image is a 404 while its bytes
 * are still here). Missing objects are not remembered; concurrent reads of one key share one GET;
 * an object over a quarter of the budget is returned but not kept, so one huge original cannot
 * flush the rest.
 */
export const withReadCache = (
  store: Pick<ObjectStore, 'get'>,
  { maxBytes }: { maxBytes: number },
): CachedReads => {
  const cache = new LRUCache<string, Uint8Array>({
    maxSize: maxBytes,
    maxEntrySize: Math.floor(maxBytes / 4),
    sizeCalculation: (bytes) => Math.max(1, bytes.byteLength),
    fetchMethod: (key) => store.get(key),
  });
  return { get: (key) => cache.fetch(key), held: (key) => cache.get(key) };
};
