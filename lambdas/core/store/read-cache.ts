import { LRUCache } from 'lru-cache';
import type { ObjectStore } from './object-store.ts';

export interface CachedReads extends Pick<ObjectStore, 'get'> {
  /** Lets go of an object (it must not be served any more). */
  forget(key: string): void;
}

/** What an entry costs beyond its bytes (the key, the node), so many tiny objects are not free. */
const ENTRY_OVERHEAD_BYTES = 1024;

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
 * flush the rest. Callers must not modify what they get: the same array answers the next read.
 */
export const withReadCache = (
  store: Pick<ObjectStore, 'get'>,
  { maxBytes }: { maxBytes: number },
): CachedReads => {
  const cache = new LRUCache<string, Uint8Array>({
    maxSize: maxBytes,
    maxEntrySize: Math.floor(maxBytes / 4),
    sizeCalculation: (bytes) => bytes.byteLength + ENTRY_OVERHEAD_BYTES,
    fetchMethod: (key) => store.get(key),
    // A read evicted while in flight still answers its caller (by default it would reject).
    ignoreFetchAbort: true,
  });
  return {
    get: (key) => cache.fetch(key),
    forget: (key) => {
      cache.delete(key);
    },
  };
};
