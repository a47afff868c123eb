import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { Clock } from '#core/clock';
import { useClock } from '#core/compose/platform';
import { MAX_UPLOAD_BYTES } from '#core/plans';
import { startDynamoDbLocal } from '#local/dynamodb-local';
import { createGateway, type GatewayRoute, type LambdaHandler } from '#local/gateway';
import { ensureBucket, ensureTable } from '#local/provision';
import { startS3Local } from '#local/s3-local';
import { ROUTES } from '../lambdas/http/routes.ts';
import { LOCAL_REGION } from './aws-local-clients.ts';

export interface LocalRuntimeOptions {
  /** 0 picks a free port. */
  port: number;
  host: string;
  /** Where DynamoDB Local and s3rver keep their data; undefined keeps everything in memory / temp. */
  dataDir: string;
  tableName: string;
  bucketName: string;
  /** Use already running backends instead of starting embedded ones (tests share one pair). */
  dynamoDbEndpoint?: string | undefined;
  s3Endpoint?: string | undefined;
  /** Defaults to http://localhost:<port>. */
  publicBaseUrl?: string | undefined;
  /** DynamoDB Local keeps tables in memory instead of under dataDir (tests). */
  inMemory?: boolean;
  /** Seconds between runs of the cleanup job (the schedule on AWS); 0 = never (tests run it themselves). */
  cleanupIntervalSeconds?: number;
  /** The services' clock; tests pass one they can move forward. */
  clock?: Clock;
}

export interface LocalRuntime {
  url: string;
  dynamoDbEndpoint: string;
  s3Endpoint: string;
  stop(): Promise<void>;
}

/** Settings an operator's tools (the admin CLI) need to reach a running local runtime. */
export interface RuntimeDescriptor {
  pid: number;
  url: string;
  dynamoDbEndpoint: string;
  s3Endpoint: string;
  tableName: string;
  bucketName: string;
}

export const runtimeDescriptorPath = (dataDir: string): string => join(dataDir, 'runtime.json');

/** Multipart framing and text fields on top of the largest file any plan allows. */
const MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 1024 ** 2;

/**
 * Starts the whole service on this machine: DynamoDB Local and s3rver (unless endpoints are given),
 * the table and bucket, and one HTTP server that routes `/v1/...` to the API handlers and every
 * other GET to the viewer — the same modules Lambda runs, fed the same event shape.
 */
export const startLocalRuntime = async (options: LocalRuntimeOptions): Promise<LocalRuntime> => {
  await mkdir(options.dataDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const dynamoDbEndpoint = options.dynamoDbEndpoint ?? (await startDynamo(options, stops));
    const s3Endpoint = options.s3Endpoint ?? (await startS3(options, stops));
    Object.assign(process.env, {
      AWS_REGION: process.env.AWS_REGION ?? LOCAL_REGION,
      // s3rver accepts only these; DynamoDB Local accepts anything.
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      // EMF metrics are for CloudWatch; locally they would only clutter the console.
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    });
    await provision(options, dynamoDbEndpoint, s3Endpoint);

    const server = createGateway({ routes: gatewayRoutes(), maxBodyBytes: MAX_REQUEST_BYTES });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, resolve);
    });
    stops.push(
      () =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const { port } = server.address() as AddressInfo;
    const url = `http://localhost:${port}`;
    // Handlers parse their configuration on first use, after this point.
    Object.assign(process.env, {
      UPGRADE_LINK_SECRET:
        process.env.UPGRADE_LINK_SECRET ?? (await localSecret(options.dataDir, 'upgrade-link-secret')),
      TABLE_NAME: options.tableName,
      BUCKET_NAME: options.bucketName,
      PUBLIC_BASE_URL: options.publicBaseUrl ?? url,
      DYNAMODB_ENDPOINT: dynamoDbEndpoint,
      S3_ENDPOINT: s3Endpoint,
    });

    if (options.clock) useClock(options.clock);
    const interval = options.cleanupIntervalSeconds ?? 60;
    if (interval > 0) {
      const timer = setInterval(() => void runCleanup(), interval * 1000);
      timer.unref();
      stops.push(async () => clearInterval(timer));
    }

    const descriptor: RuntimeDescriptor = {
      pid: process.pid,
      url,
      dynamoDbEndpoint,
      s3Endpoint,
      tableName: options.tableName,
      bucketName: options.bucketName,
    };
    const descriptorPath = runtimeDescriptorPath(options.dataDir);
    await writeFile(descriptorPath, `${JSON.stringify(descriptor, null, 2)}\n`);
    stops.push(() => rm(descriptorPath, { force: true }));

    return { url, dynamoDbEndpoint, s3Endpoint, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
};

/** A random secret kept under the data directory, so links signed before a restart stay valid. */
const localSecret = async (dataDir: string, name: string): Promise<string> => {
  const path = join(dataDir, name);
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    const secret = randomBytes(32).toString('hex');
    await writeFile(path, `${secret}\n`, { mode: 0o600 });
    return secret;
  }
};

const startDynamo = async (options: LocalRuntimeOptions, stops: (() => Promise<void>)[]) => {
  const dynamo = await startDynamoDbLocal(
    options.inMemory ? {} : { dataDir: join(options.dataDir, 'dynamodb') },
  );
  stops.push(() => dynamo.stop());
  return dynamo.endpoint;
};

const startS3 = async (options: LocalRuntimeOptions, stops: (() => Promise<void>)[]) => {
  const s3 = await startS3Local({ directory: join(options.dataDir, 's3') });
  stops.push(() => s3.stop());
  return s3.endpoint;
};

const provision = async (options: LocalRuntimeOptions, dynamoDbEndpoint: string, s3Endpoint: string) => {
  const region = process.env.AWS_REGION;
  const db = new DynamoDBClient({ region, endpoint: dynamoDbEndpoint });
  const s3 = new S3Client({ region, endpoint: s3Endpoint, forcePathStyle: true });
  try {
    await Promise.all([ensureTable(db, options.tableName), ensureBucket(s3, options.bucketName)]);
  } finally {
    db.destroy();
    s3.destroy();
  }
};

/** The same handler the EventBridge schedule invokes on AWS. */
const runCleanup = async () => {
  const { handler } = await import('../lambdas/cleanup/handler.ts');
  await handler().catch((error: unknown) => console.error('cleanup run failed:', (error as Error).message));
};

const handlerOf = (path: string) => async (): Promise<LambdaHandler> =>
  ((await import(path)) as { handler: LambdaHandler }).handler;

/** API routes from the shared route table; everything else is a viewer link (function URL). */
const gatewayRoutes = (): GatewayRoute[] => [
  ...ROUTES.map((route) => ({
    method: route.method,
    path: route.path,
    load: handlerOf(`../lambdas/http/${route.entry}.ts`),
  })),
  { method: 'GET', path: undefined, load: handlerOf('../lambdas/viewer/handler.ts') },
];
