import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, paginateScan, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { notFound } from '#core/errors';
import type { PlanName } from '#core/plans';
import { keys } from '#core/store/keys';
import type { Table, TransactionItem } from '#core/store/table';
import type { Team } from '#core/teams/team';

export interface TeamRepository {
  create(team: Team): Promise<void>;
  get(teamId: string): Promise<Team | undefined>;
  /** Throws not_found when the team does not exist. */
  setPlan(teamId: string, plan: PlanName): Promise<Team>;
  /** Every team, oldest first, for the operator's CLI (a scan: never on a request path). */
  list(): Promise<Team[]>;
}

export const createTeamRepository = ({ db, tableName }: Table): TeamRepository => ({
  async create(team) {
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...keys.team(team.id),
          id: team.id,
          name: team.name,
          plan: team.plan,
          created_at_ms: team.createdAtMs,
          storage_used_bytes: team.storageUsedBytes,
          media_stored: team.mediaStored,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  },

  async list() {
    const found: Team[] = [];
    const pages = paginateScan(
      { client: db },
      { TableName: tableName, FilterExpression: 'sk = :sk', ExpressionAttributeValues: { ':sk': 'TEAM' } },
    );
    for await (const page of pages) found.push(...(page.Items ?? []).map(fromItem));
    return found.sort((a, b) => a.createdAtMs - b.createdAtMs);
  },

  async get(teamId) {
    const { Item } = await db.send(
      new GetCommand({ TableName: tableName, Key: keys.team(teamId), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  },

  async setPlan(teamId, plan) {
    try {
      const { Attributes } = await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.team(teamId),
          UpdateExpression: 'SET #plan = :plan',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#plan': 'plan' },
          ExpressionAttributeValues: { ':plan': plan },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromItem(Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw notFound('No such team.');
      throw error;
    }
  },
});

/**
 * The team's storage counters, as writes of the transactions that store and retire media: the
 * team item is this module's, whoever composes the transaction.
 */
export const teamCounterItems = (tableName: string) => ({
  /** Counts `bytes` more in one more media, if that keeps the team within `storageLimit`. */
  add(teamId: string, bytes: number, storageLimit: number): TransactionItem<'storage'> {
    return {
      guard: 'storage',
      write: {
        Update: {
          TableName: tableName,
          Key: keys.team(teamId),
          UpdateExpression: 'ADD storage_used_bytes :bytes, media_stored :one',
          // Conditions cannot add, so the room left is computed here: used + size <= limit.
          ConditionExpression: 'attribute_exists(pk) AND storage_used_bytes <= :roomBefore',
          ExpressionAttributeValues: { ':bytes': bytes, ':one': 1, ':roomBefore': storageLimit - bytes },
        },
      },
    };
  },

  /** Releases one media of `bytes`. */
  remove(teamId: string, bytes: number): TransactionItem<'team'> {
    return {
      guard: 'team',
      write: {
        Update: {
          TableName: tableName,
          Key: keys.team(teamId),
          UpdateExpression: 'ADD storage_used_bytes :bytes, media_stored :minusOne',
          ExpressionAttributeValues: { ':bytes': -bytes, ':minusOne': -1 },
        },
      },
    };
  },
});

const fromItem = (item: Record<string, unknown>): Team => ({
  id: item.id as string,
  name: item.name as string,
  plan: item.plan as PlanName,
  createdAtMs: item.created_at_ms as number,
  storageUsedBytes: (item.storage_used_bytes as number | undefined) ?? 0,
  mediaStored: (item.media_stored as number | undefined) ?? 0,
});
