import type { DynamoDBDocumentClient, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

/** What every repository is built on: the shared document client and the single table's name. */
export interface Table {
  db: DynamoDBDocumentClient;
  tableName: string;
}

/**
 * One write of a transaction, contributed by the module that owns its item, with the guard its
 * condition enforces: when DynamoDB cancels a transaction, the guards of the writes whose
 * condition failed say why.
 */
export interface TransactionItem<Guard extends string = string> {
  guard: Guard;
  write: NonNullable<TransactWriteCommandInput['TransactItems']>[number];
}
