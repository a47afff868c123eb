import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { INCOMING_PREFIX, ORIGINALS_PREFIX } from '#core/store/object-keys';

/** The originals bucket, in domain terms: bytes in, bytes out, by key. */
export interface ObjectStore {
  /** `signal` abandons the write (it then rejects). */
  put(key: string, body: Uint8Array, contentType: string, options?: { signal?: AbortSignal }): Promise<void>;
  /** Undefined when the object does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** The object with the content type it was stored with; undefined when it does not exist. */
  read(key: string): Promise<StoredObject | undefined>;
  delete(key: string): Promise<void>;
  /** Deletes every object under `prefix` (a listing, then batches of 1,000); how many it deleted. */
  deleteUnder(prefix: string): Promise<number>;
  /**
   * Up to `limit` objects under `prefix` in key order, from after `startAfter`; `next` is where the
   * listing goes on (the last key listed), undefined once it reached the end.
   */
  list(
    prefix: string,
    options: { startAfter: string | undefined; limit: number },
  ): Promise<{ objects: ListedObject[]; next: string | undefined }>;
  /**
   * A browser-compatible POST form that can write exactly one object: this key, exactly `size`
   * bytes, until `expiresInSeconds` have passed.
   */
  presignPost(
    key: string,
    options: { size: number; expiresInSeconds: number },
  ): Promise<{ url: string; fields: Record<string, string> }>;
}

export interface StoredObject {
  body: Uint8Array;
  contentType: string;
}

export interface ListedObject {
  key: string;
  lastModifiedMs: number;
}

export const originalKey = (mediaId: string): string => `${ORIGINALS_PREFIX}${mediaId}`;

/** An object read when first asked for, named by its `s3://` URI (a model the viewer loads once, say). */
export const objectSource = (objects: ObjectStore, location: { bucket: string; key: string }) => {
  const name = `s3://${location.bucket}/${location.key}`;
  return {
    name,
    load: async (): Promise<Uint8Array> => {
      const bytes = await objects.get(location.key);
      if (!bytes) throw new Error(`${name} does not exist`);
      return bytes;
    },
  };
};

/** Where a direct upload lands before it is validated (a lifecycle rule sweeps what is never completed). */
export const incomingKey = (uploadId: string): string => `${INCOMING_PREFIX}${uploadId}`;

/** S3 answers 1,000 keys a listing, and deletes 1,000 keys a request, at most. */
const S3_BATCH = 1_000;

export const createObjectStore = ({ s3, bucket }: { s3: S3Client; bucket: string }): ObjectStore => {
  const read = async (key: string): Promise<StoredObject | undefined> => {
    try {
      const { Body, ContentType } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Body
        ? { body: await Body.transformToByteArray(), contentType: ContentType ?? 'application/octet-stream' }
        : undefined;
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  };
  const store: ObjectStore = {
    async put(key, body, contentType, options) {
      const command = new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
      });
      await s3.send(command, { abortSignal: options?.signal });
    },

    async get(key) {
      return (await read(key))?.body;
    },

    read,

    async delete(key) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },

    async deleteUnder(prefix) {
      let deleted = 0;
      let next: string | undefined;
      do {
        const page = await store.list(prefix, { startAfter: next, limit: S3_BATCH });
        if (page.objects.length > 0) {
          const { Errors = [] } = await s3.send(
            new DeleteObjectsCommand({
              Bucket: bucket,
              Delete: { Objects: page.objects.map(({ key }) => ({ Key: key })), Quiet: true },
            }),
          );
          const [failed] = Errors;
          if (failed) throw new Error(`${Errors.length} keys under ${prefix} not deleted: ${failed.Message}`);
          deleted += page.objects.length;
        }
        next = page.next;
      } while (next !== undefined);
      return deleted;
    },

    async list(prefix, { startAfter, limit }) {
      const objects: ListedObject[] = [];
      let after = startAfter;
      // S3 answers 1,000 keys a request at most.
      while (objects.length < limit) {
        const { Contents = [], IsTruncated } = await s3.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            StartAfter: after,
            MaxKeys: Math.min(S3_BATCH, limit - objects.length),
          }),
        );
        for (const { Key, LastModified } of Contents) {
          if (Key !== undefined) objects.push({ key: Key, lastModifiedMs: LastModified?.getTime() ?? 0 });
        }
        after = objects.at(-1)?.key ?? after;
        if (!IsTruncated || Contents.length === 0) return { objects, next: undefined };
      }
      return { objects, next: after };
    },

    presignPost(key, { size, expiresInSeconds }) {
      return createPresignedPost(s3, {
        Bucket: bucket,
        Key: key,
        Conditions: [['content-length-range', size, size]],
        Expires: expiresInSeconds,
      });
    },
  };
  return store;
};
