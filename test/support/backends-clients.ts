import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { createDocumentClient, createS3Client } from '#core/platform/clients';
import { LOCAL_REGION } from '#local/aws-local-clients';
import { ensureBucket, ensureTable } from '#local/provision';
import { uniqueName } from '#test/runtime';

/**
 * A fresh table and bucket on the shared emulators, with the same clients production code builds,
 * for repository and store tests below the HTTP layer.
 */
export const freshStorage = async () => {
  const region = LOCAL_REGION;
  // s3rver accepts only these credentials; DynamoDB Local accepts any.
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  const dynamoDbEndpoint = inject('dynamoDbEndpoint');
  const s3Endpoint = inject('s3Endpoint');
  const tableName = uniqueName('table');
  const bucket = uniqueName('bucket');
  const raw = new DynamoDBClient({ region, endpoint: dynamoDbEndpoint });
  const rawS3 = new S3Client({ region, endpoint: s3Endpoint, forcePathStyle: true });
  await Promise.all([ensureTable(raw, tableName), ensureBucket(rawS3, bucket)]);
  raw.destroy();
  rawS3.destroy();
  const db: DynamoDBDocumentClient = createDocumentClient({ region, dynamoDbEndpoint });
  const s3 = createS3Client({ region, s3Endpoint });
  return { db, s3, tableName, bucket, endpoints: { region, dynamoDbEndpoint, s3Endpoint } };
};
