import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

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
