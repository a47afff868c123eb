import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { localEndpoint } from '../aws-local-clients.ts';

/**
 * The two AWS APIs the functions call beyond DynamoDB and S3, for which no emulator exists here:
 * Secrets Manager's `GetSecretValue` (the upgrade-link key and the API's origin secret, read by ARN)
 * and CloudFront's `CreateInvalidation` (the cleanup job). The functions' own SDK clients reach them
 * through `AWS_ENDPOINT_URL_SECRETS_MANAGER` and `AWS_ENDPOINT_URL_CLOUDFRONT`, speaking the real
 * wire protocols (JSON 1.1 and REST-XML); only what those two operations need is answered.
 */
export interface AwsStandIns {
  /** The variables that point a function's SDK clients here. */
  endpoints: Record<string, string>;
  /** Invalidations received, oldest first: the distribution and the paths. */
  invalidations: { distributionId: string; paths: string[] }[];
  stop(): Promise<void>;
}

export const startAwsStandIns = async (secrets: ReadonlyMap<string, string>): Promise<AwsStandIns> => {
  const invalidations: AwsStandIns['invalidations'] = [];
  const server = createServer((request, response) => {
    void read(request).then((body) => {
      const invalidation = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation$/.exec(request.url ?? '');
      if (request.headers['x-amz-target'] === 'secretsmanager.GetSecretValue') {
        getSecretValue(secrets, body, response);
      } else if (request.method === 'POST' && invalidation) {
        const paths = [...body.matchAll(/<Path>([^<]*)<\/Path>/g)].map((match) => match[1] ?? '');
        invalidations.push({ distributionId: decodeURIComponent(invalidation[1] ?? ''), paths });
        const id = `I${randomUUID().replaceAll('-', '').slice(0, 13).toUpperCase()}`;
        response.writeHead(201, { 'content-type': 'text/xml', location: `${request.url}/${id}` });
        response.end(
          `<?xml version="1.0"?><Invalidation xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Id>${id}</Id>` +
            `<Status>InProgress</Status><CreateTime>${new Date().toISOString()}</CreateTime>` +
            `<InvalidationBatch>${/<Paths>[\s\S]*<\/CallerReference>/.exec(body)?.[0] ?? ''}</InvalidationBatch></Invalidation>`,
        );
      } else {
        response.writeHead(400, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ __type: 'UnknownOperationException', message: 'not stood in for locally' }),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = localEndpoint('127.0.0.1', (server.address() as AddressInfo).port);
  return {
    endpoints: { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint, AWS_ENDPOINT_URL_CLOUDFRONT: endpoint },
    invalidations,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

const getSecretValue = (secrets: ReadonlyMap<string, string>, body: string, response: ServerResponse) => {
  const { SecretId } = JSON.parse(body) as { SecretId: string };
  const value = secrets.get(SecretId);
  response.writeHead(value === undefined ? 400 : 200, { 'content-type': 'application/x-amz-json-1.1' });
  response.end(
    JSON.stringify(
      value === undefined
        ? { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }
        : {
            ARN: SecretId,
            Name: SecretId.split(':').at(-1),
            SecretString: value,
            VersionId: '00000000-0000-0000-0000-000000000000',
            VersionStages: ['AWSCURRENT'],
            CreatedDate: 0,
          },
    ),
  );
};

const read = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
};
