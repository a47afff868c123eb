import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IDEMPOTENCY_PREFIX, keys, TTL_ATTRIBUTE } from '#core/store/keys';

/**
 * Powertools' DynamoDB persistence, in the single table. Its own layout for a table with a sort key
 * puts every record under one partition key; here each record has a partition of its own
 * (`keys.idempotencyRecord`), like the table's other items, and expires through the table's TTL
 * attribute (Powertools writes it in epoch seconds, as TTL wants).
 */
class SingleTableIdempotencyRecords extends DynamoDBPersistenceLayer {
  protected override getKey(recordKey: string): Record<string, AttributeValue> {
    const { pk, sk } = keys.idempotencyRecord(recordKey);
    return { pk: { S: pk }, sk: { S: sk } };
  }
}

/** Where Powertools keeps idempotency records: the store, and the prefix of every record's key. */
export interface IdempotencyRecords {
  persistenceStore: DynamoDBPersistenceLayer;
  keyPrefix: string;
}

export const createIdempotencyRecords = (options: {
  client: DynamoDBClient;
  tableName: string;
}): IdempotencyRecords => ({
  persistenceStore: new SingleTableIdempotencyRecords({
    tableName: options.tableName,
    awsSdkV3Client: options.client,
    // The attribute Powertools' conditions test for a record's existence: the partition key.
    keyAttr: 'pk',
    expiryAttr: TTL_ATTRIBUTE,
  }),
  keyPrefix: IDEMPOTENCY_PREFIX,
});
