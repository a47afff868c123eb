import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, paginateScan, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Ability, ApiKey } from '#core/api-keys/api-key';
import { notFound } from '#core/errors';
import { keys } from '#core/store/keys';
import type { Table } from '#core/store/table';

export interface ApiKeyRepository {
  create(key: ApiKey): Promise<void>;
  get(keyId: string): Promise<ApiKey | undefined>;
  /**
   * Throws not_found when the key does not exist. Revoking again keeps the earlier time, unless
   * `atMs` is sooner (ending a grace period early).
   */
  revoke(keyId: string, atMs: number): Promise<ApiKey>;
  /**
   * Every key (of one team, when given), for the operator's CLI: a scan of the whole table, which no
   * request path may use; a self-hosted deployment's table is small enough for an operator to wait.
   */
  list(teamId?: string): Promise<ApiKey[]>;
}

export const createApiKeyRepository = ({ db, tableName }: Table): ApiKeyRepository => ({
  async create(key) {
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...keys.apiKey(key.keyId),
          key_id: key.keyId,
          team_id: key.teamId,
          name: key.name,
          abilities: key.abilities,
          secret_hash: key.secretHash,
          created_at_ms: key.createdAtMs,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  },

  async get(keyId) {
    const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: keys.apiKey(keyId) }));
    return Item ? fromItem(Item) : undefined;
  },

  async revoke(keyId, atMs) {
    try {
      const { Attributes } = await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.apiKey(keyId),
          UpdateExpression: 'SET revoked_at_ms = :at',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(revoked_at_ms) OR revoked_at_ms > :at)',
          ExpressionAttributeValues: { ':at': atMs },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromItem(Attributes ?? {});
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Already revoked at or before `atMs`, or missing.
      const { Item } = await db.send(
        new GetCommand({ TableName: tableName, Key: keys.apiKey(keyId), ConsistentRead: true }),
      );
      if (!Item) throw notFound('No such API key.');
      return fromItem(Item);
    }
  },

  async list(teamId) {
    const found: ApiKey[] = [];
    const pages = paginateScan(
      { client: db },
      {
        TableName: tableName,
        FilterExpression: teamId ? 'sk = :sk AND team_id = :team' : 'sk = :sk',
        ExpressionAttributeValues: { ':sk': 'KEY', ...(teamId && { ':team': teamId }) },
      },
    );
    for await (const page of pages) found.push(...(page.Items ?? []).map(fromItem));
    return found.sort((a, b) => a.createdAtMs - b.createdAtMs);
  },
});

const fromItem = (item: Record<string, unknown>): ApiKey => ({
  keyId: item.key_id as string,
  teamId: item.team_id as string,
  name: item.name as string | undefined,
  abilities: item.abilities as Ability[],
  secretHash: item.secret_hash as string,
  createdAtMs: item.created_at_ms as number,
  revokedAtMs: item.revoked_at_ms as number | undefined,
});
