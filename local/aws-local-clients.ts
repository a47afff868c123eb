import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { S3ClientConfig } from '@aws-sdk/client-s3';

/** Region every local client signs with; the emulators accept any, so one fixed value keeps them consistent. */
export const LOCAL_REGION = 'us-east-1';

/** `http://host:port`, bracketing IPv6 literals so the URL stays valid. */
export const localEndpoint = (host: string, port: number): string =>
  `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

/**
 * Client configuration for DynamoDB Local. It checks that requests are signed but not with which key, so static
 * dummy credentials keep the SDK from searching the environment (and never pick up real AWS credentials).
 */
export const localDynamoConfig = (endpoint: string): DynamoDBClientConfig => ({
  endpoint,
  region: LOCAL_REGION,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

/** Client configuration for s3rver. */
export const localS3Config = (endpoint: string): S3ClientConfig => ({
  endpoint,
  region: LOCAL_REGION,
  // s3rver verifies SigV4 against this fixed key pair only.
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  // s3rver serves buckets by path; virtual-host names such as bucket.127.0.0.1 do not resolve.
  forcePathStyle: true,
  // By default the SDK sends streamed bodies aws-chunked with a trailing checksum; s3rver does not decode that
  // framing and would store it as part of the object.
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
