import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isMediaId } from '#core/ids';
import type { UploadFields } from '#core/media/fields';
import { keys, TTL_ATTRIBUTE } from '#core/store/keys';
import type { Table, TransactionItem } from '#core/store/table';

/** A direct upload announced by `POST /v1/uploads` and not yet completed. */
export interface UploadIntent {
  uploadId: string;
  /** Who may complete it: the same team, or the same anonymous client. */
  owner: { teamId: string } | { client: string };
  size: number;
  fields: UploadFields;
  /** Unix seconds after which it can no longer be completed. */
  expiresAt: number;
}

export interface UploadIntentRepository {
  create(intent: UploadIntent): Promise<void>;
  get(uploadId: string): Promise<UploadIntent | undefined>;
}

/** A day past expiry DynamoDB's TTL removes an intent that was never completed. */
const PURGE_DELAY_SECONDS = 86_400;

export const createUploadIntentRepository = ({ db, tableName }: Table): UploadIntentRepository => ({
  async create(intent) {
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...keys.uploadIntent(intent.uploadId),
          upload_id: intent.uploadId,
          owner: intent.owner,
          size: intent.size,
          fields: intent.fields,
          expires_at: intent.expiresAt,
          [TTL_ATTRIBUTE]: intent.expiresAt + PURGE_DELAY_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  },

  async get(uploadId) {
    // Upload ids are media ids: anything else was never issued.
    if (!isMediaId(uploadId)) return undefined;
    const { Item } = await db.send(
      new GetCommand({ TableName: tableName, Key: keys.uploadIntent(uploadId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      uploadId: Item.upload_id as string,
      owner: Item.owner as UploadIntent['owner'],
      size: Item.size as number,
      // An intent stored before keep_metadata existed has none: not allowed.
      fields: { ...(Item.fields as UploadFields), keepMetadata: Item.fields?.keepMetadata === true },
      expiresAt: Item.expires_at as number,
    };
  },
});

/** Consuming an intent, as a write of the transaction that stores its media: once only. */
export const intentItems = (tableName: string) => ({
  consume(uploadId: string): TransactionItem<'upload'> {
    return {
      guard: 'upload',
      write: {
        Delete: {
          TableName: tableName,
          Key: keys.uploadIntent(uploadId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
    };
  },
});
