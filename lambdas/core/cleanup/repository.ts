import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#core/store/keys';
import type { Table } from '#core/store/table';

/**
 * Where the cleanup job's sweep of each bucket prefix goes on: the last key a run looked at, so the
 * next run lists from there (a run does bounded work; the bucket may hold more). No cursor: from
 * the start. Two overlapping runs may sweep the same keys; every step of a sweep is idempotent.
 */
export interface SweepCursors {
  get(prefix: string): Promise<string | undefined>;
  set(prefix: string, after: string | undefined): Promise<void>;
}

export const createSweepCursors = ({ db, tableName }: Table): SweepCursors => ({
  async get(prefix) {
    const { Item } = await db.send(
      new GetCommand({ TableName: tableName, Key: keys.sweepCursor(prefix), ConsistentRead: true }),
    );
    return Item?.after as string | undefined;
  },

  async set(prefix, after) {
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.sweepCursor(prefix), ...(after !== undefined && { after }) },
      }),
    );
  },
});
