import { BatchGetCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { CountedWindow } from '#core/quotas/limits';
import { keys } from '#core/store/keys';
import type { Table } from '#core/store/table';

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
