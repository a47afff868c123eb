import { keys } from '#core/store/keys';
import type { TransactionItem } from '#core/store/table';

/**
 * A team's external ids are unique: a guard item per id, claimed in the transaction that stores the
 * media and released in the one that retires it.
 */
export const externalIdItems = (tableName: string) => ({
  claim(teamId: string, externalId: string, mediaId: string): TransactionItem<'external_id'> {
    return {
      guard: 'external_id',
      write: {
        Put: {
          TableName: tableName,
          Item: { ...keys.externalId(teamId, externalId), media_id: mediaId },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    };
  },

  release(teamId: string, externalId: string): TransactionItem<'external_id'> {
    return {
      guard: 'external_id',
      write: { Delete: { TableName: tableName, Key: keys.externalId(teamId, externalId) } },
    };
  },
});
