import {
  DeleteObjectCommand,
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
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** Undefined when the object does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  delete(key: string): Promise<void>;
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

export const createObjectStore = ({ s3, bucket }: { s3: S3Client; bucket: string }): ObjectStore => ({
  async put(key, body, contentType) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
  },

  async get(key) {
    try {
      const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Body ? await Body.transformToByteArray() : undefined;
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  },

  async delete(key) {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
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
          MaxKeys: Math.min(1_000, limit - objects.length),
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
});
