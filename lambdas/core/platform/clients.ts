import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '#core/config';

/**
 * SDK clients, built once per process and shared by every repository and store. A custom endpoint
 * means an emulator (DynamoDB Local, s3rver); only then do the S3 compatibility settings apply.
 */
export const createDynamoDbClient = (config: Pick<Config, 'region' | 'dynamoDbEndpoint'>) =>
  new DynamoDBClient({
    region: config.region,
    ...(config.dynamoDbEndpoint && { endpoint: config.dynamoDbEndpoint }),
  });

/** The repositories' client; over `client` when given, so that a process keeps one connection pool. */
export const createDocumentClient = (
  config: Pick<Config, 'region' | 'dynamoDbEndpoint'>,
  client: DynamoDBClient = createDynamoDbClient(config),
) => DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

export const createS3Client = (config: Pick<Config, 'region' | 's3Endpoint'>) =>
  new S3Client({
    region: config.region,
    ...(config.s3Endpoint && {
      endpoint: config.s3Endpoint,
      forcePathStyle: true,
      // s3rver stores aws-chunked bodies verbatim (framing included) unless checksums stay off.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
  });
