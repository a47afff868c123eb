import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys, TTL_ATTRIBUTE } from '#core/store/keys';
import type { Table } from '#core/store/table';

/**
 * The record of the variants each media has had rendered: one item per media per UTC day
 * (`keys.variantDay`) holding the hashes admitted that day as a string set, gone through the table's
 * TTL once it is no longer remembered.
 */
export interface VariantAdmissions {
  /**
   * Adds `variant` to the media's set for `day` if it is already there or the set holds fewer than
   * `budget`: one conditional write, so however many run at once exactly `budget` distinct variants
   * get in. False when the day's budget is spent.
   */
  admit(request: {
    mediaId: string;
    day: string;
    variant: string;
    budget: number;
    purgeAt: number;
  }): Promise<boolean>;
  /** Whether `variant` is in the media's set of any day from `fromDay` on. */
  admittedSince(mediaId: string, variant: string, fromDay: string): Promise<boolean>;
}

export const createVariantAdmissions = ({ db, tableName }: Table): VariantAdmissions => ({
  async admit({ mediaId, day, variant, budget, purgeAt }) {
    try {
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.variantDay(mediaId, day),
          // Adding a member a set already has changes nothing: a repeat stays free of the budget.
          UpdateExpression: 'ADD #variants :variants SET #purge = :purge',
          ConditionExpression:
            'attribute_not_exists(#variants) OR contains(#variants, :variant) OR size(#variants) < :budget',
          ExpressionAttributeNames: { '#variants': 'variants', '#purge': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':variants': new Set([variant]),
            ':variant': variant,
            ':budget': budget,
            ':purge': purgeAt,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  },

  async admittedSince(mediaId, variant, fromDay) {
    const { pk } = keys.variantDay(mediaId, fromDay);
    const { Count = 0 } = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk >= :from',
        FilterExpression: 'contains(#variants, :variant)',
        ExpressionAttributeNames: { '#variants': 'variants' },
        ExpressionAttributeValues: {
          ':pk': pk,
          ':from': keys.variantDay(mediaId, fromDay).sk,
          ':variant': variant,
        },
        Select: 'COUNT',
      }),
    );
    return Count > 0;
  },
});
