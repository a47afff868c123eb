import { BatchGetCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { CountedWindow } from '#core/quotas/limits';
import { keys, TTL_ATTRIBUTE } from '#core/store/keys';
import type { Table, TransactionItem } from '#core/store/table';

/** Reads of the counters that quotas and rate limits are enforced on (writes happen with the upload). */
export interface QuotaRepository {
  monthlyUploads(teamId: string, month: string): Promise<number>;
  /** The count so far in each window, in the order given. */
  windowCounts(client: string, windows: readonly CountedWindow[]): Promise<number[]>;
}

export const createQuotaRepository = ({ db, tableName }: Table): QuotaRepository => ({
  async monthlyUploads(teamId, month) {
    const { Item } = await db.send(
      new GetCommand({ TableName: tableName, Key: keys.monthlyUsage(teamId, month), ConsistentRead: true }),
    );
    return (Item?.uploads as number | undefined) ?? 0;
  },

  async windowCounts(client, windows) {
    const wanted = windows.map((window) => keys.rateWindow(client, window.id));
    const { Responses } = await db.send(
      new BatchGetCommand({ RequestItems: { [tableName]: { Keys: wanted, ConsistentRead: true } } }),
    );
    const counts = new Map(
      (Responses?.[tableName] ?? []).map((item) => [item.pk as string, item.count as number]),
    );
    return wanted.map((key) => counts.get(key.pk) ?? 0);
  },
});

/** A day past its end a window's count is useless; DynamoDB's TTL removes it. */
const WINDOW_PURGE_DELAY = 86_400;

/**
 * The counters quotas and rate limits are enforced on, as writes of the transaction that stores
 * an upload: each counts one more only while it stays within its limit.
 */
export const quotaCounterItems = (tableName: string) => ({
  monthlyUpload(teamId: string, month: string, limit: number): TransactionItem<'monthly_uploads'> {
    return {
      guard: 'monthly_uploads',
      write: {
        Update: {
          TableName: tableName,
          Key: keys.monthlyUsage(teamId, month),
          UpdateExpression: 'ADD uploads :one',
          ConditionExpression: 'attribute_not_exists(uploads) OR uploads < :limit',
          ExpressionAttributeValues: { ':one': 1, ':limit': limit },
        },
      },
    };
  },

  windowUploads(client: string, windows: readonly CountedWindow[]): TransactionItem<CountedWindow['name']>[] {
    return windows.map((window) => ({
      guard: window.name,
      write: {
        Update: {
          TableName: tableName,
          Key: keys.rateWindow(client, window.id),
          UpdateExpression: 'ADD #count :one SET #purge = :purge',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
          ExpressionAttributeNames: { '#count': 'count', '#purge': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': window.limit,
            ':purge': window.resetsAt + WINDOW_PURGE_DELAY,
          },
        },
      },
    }));
  },
});
