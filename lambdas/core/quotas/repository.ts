import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type CountedWindow, LimitReached } from '#core/quotas/limits';
import { keys, TTL_ATTRIBUTE } from '#core/store/keys';
import type { Table } from '#core/store/table';

/**
 * The counters quotas and rate limits are enforced on. Counting is one atomic conditional update
 * per counter, which answers with the count it made: each upload learns its own place, however
 * many run at once, and no two can take the last place.
 */
export interface QuotaRepository {
  monthlyUploads(teamId: string, month: string): Promise<number>;
  /** The count so far in each window, in the order given. */
  windowCounts(client: string, windows: readonly CountedWindow[]): Promise<number[]>;
  /** One more upload of the team this month while below `limit`: the count it makes, or LimitReached. */
  countMonthlyUpload(teamId: string, month: string, limit: number): Promise<number>;
  /** Gives back an upload counted by `countMonthlyUpload` that was never stored. */
  uncountMonthlyUpload(teamId: string, month: string): Promise<void>;
  /** One more upload of the client in the window while below its limit: the count it makes, or LimitReached. */
  countWindowUpload(client: string, window: CountedWindow): Promise<number>;
  /** Gives back an upload counted by `countWindowUpload` that was never stored. */
  uncountWindowUpload(client: string, window: CountedWindow): Promise<void>;
}

/** A day past its end a window's count is useless; DynamoDB's TTL removes it. */
const WINDOW_PURGE_DELAY = 86_400;

/** A counter: the item and the attribute that holds its count. */
interface Counter {
  key: Record<string, string>;
  attribute: 'uploads' | 'count';
  /** When DynamoDB's TTL may remove the item (windows only). */
  purgeAt?: number;
}

const monthlyCounter = (teamId: string, month: string): Counter => ({
  key: keys.monthlyUsage(teamId, month),
  attribute: 'uploads',
});

const windowCounter = (client: string, window: CountedWindow): Counter => ({
  key: keys.rateWindow(client, window.id),
  attribute: 'count',
  purgeAt: window.resetsAt + WINDOW_PURGE_DELAY,
});

export const createQuotaRepository = ({ db, tableName }: Table): QuotaRepository => {
  /** Adds `step` to the counter while `condition` holds: the count it made, or undefined if refused. */
  const add = async (
    counter: Counter,
    step: 1 | -1,
    condition: string,
    values: Record<string, number>,
  ): Promise<number | undefined> => {
    const purge = step > 0 && counter.purgeAt !== undefined;
    try {
      const { Attributes } = await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: counter.key,
          UpdateExpression: `ADD #count :step${purge ? ' SET #purge = :purge' : ''}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: {
            '#count': counter.attribute,
            ...(purge && { '#purge': TTL_ATTRIBUTE }),
          },
          ExpressionAttributeValues: {
            ':step': step,
            ...values,
            ...(purge && { ':purge': counter.purgeAt }),
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Attributes?.[counter.attribute] as number;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  };

  /** One more while below `limit`. */
  const countUp = (counter: Counter, limit: number) =>
    add(counter, 1, 'attribute_not_exists(#count) OR #count < :limit', { ':limit': limit });

  /** One less, never below zero. */
  const countDown = async (counter: Counter) => {
    await add(counter, -1, '#count > :zero', { ':zero': 0 });
  };

  return {
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

    async countMonthlyUpload(teamId, month, limit) {
      const count = await countUp(monthlyCounter(teamId, month), limit);
      if (count === undefined) throw new LimitReached(['monthly_uploads']);
      return count;
    },

    uncountMonthlyUpload: (teamId, month) => countDown(monthlyCounter(teamId, month)),

    async countWindowUpload(client, window) {
      const count = await countUp(windowCounter(client, window), window.limit);
      if (count === undefined) throw new LimitReached([window.name]);
      return count;
    },

    uncountWindowUpload: (client, window) => countDown(windowCounter(client, window)),
  };
};
