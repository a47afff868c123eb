import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** What every repository is built on: the shared document client and the single table's name. */
export interface Table {
  db: DynamoDBDocumentClient;
  tableName: string;
}
