import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { CleanupReport } from '#core/cleanup/service';
import type { Clock } from '#core/clock';
import { useClock } from '#core/compose/platform';
import { createCors } from '#core/http/cors';
import { FORM_OVERHEAD_BYTES } from '#core/http/multipart';
import { useJsDecoders } from '#core/images/js-decoders';
import { MAX_UPLOAD_BYTES } from '#core/plans';
import { logger } from '#core/platform/logger';
import { dashboardRoutes } from '#local/dashboard';
import { startDynamoDbLocal } from '#local/dynamodb-local';
import { createGateway, type GatewayRoute, type LambdaHandler, type RequestLogEntry } from '#local/gateway';
import { sharedJsDecoderPool } from '#local/js-decoder-pool';
import { ensureBucket, ensureTable, localSecret } from '#local/provision';
import { startS3Local } from '#local/s3-local';
import { ROUTES } from '../lambdas/http/routes.ts';
import { LOCAL_REGION, localDynamoConfig } from './aws-local-clients.ts';
import type { FunctionDefinition } from './lambda/assembly.ts';
import { type Architecture, hostArchitecture } from './lambda/kit.ts';
import { type CloudAssemblyBackend, serveCloudAssembly } from './lambda/serve.ts';

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
  /**
   * The time each handler is told it has (its context's remaining time), as a function's timeout
   * on AWS; tests shorten it to reach a deadline quickly. With a cloud assembly, the functions'
   * own timeouts apply instead.
   * @default 29 (the API functions' timeout: API Gateway gives up after 30 s)
   */
  functionTimeoutSeconds?: number;
  /** The services' clock; tests pass one they can move forward (the handlers' sources only). */
  clock?: Clock;
  /**
   * Route large uploads to the full-size upload path, as the API's CloudFront Function does with the
   * `fullSizeUploads` setting (decision 0001); the sources only. @default false
   */
  fullSizeUploads?: boolean;
  /** Browser origins the API answers (CORS), as the stack's `corsAllowOrigins`. @default ['*'] */
  corsAllowOrigins?: readonly string[];
  /** Told of every answered request, e.g. to print an access log. @default nothing is logged */
  onRequest?: (entry: RequestLogEntry) => void;
  /** Only warnings and errors from the services' own logger (a terminal has the request log instead). */
  quietServiceLogs?: boolean;
  /** Settings for the services, as environment variables (`lambdas/core/config.ts`), over the defaults. */
  settings?: Record<string, string>;
  /**
   * Serve every route with the function `cdk synth` bundled for it, from this cloud assembly, run the
   * way Lambda runs it (`local/lambda/`); without it, the handlers' sources run in this process.
   */
  cloudAssembly?:
    | {
        directory: string;
        /** @default the host's: x64 runs the arm64 assets with the host's native binaries added */
        architecture?: Architecture;
        /** Every line a function prints. @default dropped */
        onLog?: (fn: FunctionDefinition, line: string) => void;
        /** Steps that take a while, such as building the runtime interface client. */
        progress?: (line: string) => void;
      }
    | undefined;
}

export interface LocalRuntime {
  url: string;
  dynamoDbEndpoint: string;
  s3Endpoint: string;
  /** One run of the cleanup job, through the handler the schedule invokes; its report. */
  runCleanup(): Promise<CleanupReport>;
  /** With a cloud assembly: its functions, the AWS APIs stood in for, and what they received. */
  cloudAssembly: CloudAssemblyBackend | undefined;
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

/** Settings the local runtime starts with unless told otherwise (a deployment's are in config.ts). */
const LOCAL_DEFAULTS: Record<string, string> = { REGISTRATION: 'open' };

/** Multipart framing and text fields on top of the largest file any plan allows. */
const MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES;

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
  // What differs locally from a deployment's defaults: anyone at this machine may make a key.
  const settings = { ...LOCAL_DEFAULTS, ...options.settings };
  try {
    const dynamoDbEndpoint = options.dynamoDbEndpoint ?? (await startDynamo(options, stops));
    const s3Endpoint = options.s3Endpoint ?? (await startS3(options, stops));
    await provision(options, dynamoDbEndpoint, s3Endpoint);
    const platform = {
      AWS_REGION: LOCAL_REGION,
      // s3rver accepts only these; DynamoDB Local accepts anything.
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      // EMF metrics are for CloudWatch; locally they would only clutter the console.
      POWERTOOLS_METRICS_DISABLED: 'true',
      DYNAMODB_ENDPOINT: dynamoDbEndpoint,
      S3_ENDPOINT: s3Endpoint,
    };
    let publicBaseUrl = '';
    const assembly =
      options.cloudAssembly &&
      (await serveAssembly(options, stops, () => ({
        ...settings,
        ...platform,
        // One local origin serves the API and the links (on AWS, two distributions).
        PUBLIC_BASE_URL: publicBaseUrl,
      })));

    const server = createGateway({
      // The dashboard's routes first: the viewer's catch-all would take its paths.
      routes: [
        ...dashboardRoutes(s3Endpoint),
        ...(assembly ? assembly.routes : sourceRoutes()),
        SAMPLE_ROUTE,
      ],
      maxBodyBytes: MAX_REQUEST_BYTES,
      timeoutMs: (options.functionTimeoutSeconds ?? 29) * 1000,
      ...(!assembly &&
        options.fullSizeUploads && {
          largeUploads: async (request, response) =>
            (await import('../lambdas/large-upload/server.ts')).serveLargeUpload(request, response),
        }),
      cors: createCors(options.corsAllowOrigins ?? ['*']),
      onRequest: options.onRequest,
    });
    if (options.quietServiceLogs) logger.setLogLevel('WARN');
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
    publicBaseUrl = options.publicBaseUrl ?? url;
    // This process speaks to the emulators too (the tests' clients, the admin CLI's actions).
    Object.assign(process.env, {
      ...platform,
      AWS_REGION: process.env.AWS_REGION ?? LOCAL_REGION,
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    });
    if (!assembly) {
      // The handlers run in this process and parse their configuration on first use, after this point.
      Object.assign(process.env, {
        ...settings,
        UPGRADE_LINK_SECRET:
          settings.UPGRADE_LINK_SECRET ??
          process.env.UPGRADE_LINK_SECRET ??
          (await localSecret(options.dataDir, 'upgrade-link-secret')),
        TABLE_NAME: options.tableName,
        BUCKET_NAME: options.bucketName,
        PUBLIC_BASE_URL: publicBaseUrl,
      });
      if (options.clock) useClock(options.clock);
      useJsDecoders(sharedJsDecoderPool());
    }
    const runCleanup = assembly
      ? async () => (await assembly.runSchedule())[0] as CleanupReport
      : async () => (await import('../lambdas/cleanup/handler.ts')).handler();
    const interval = options.cleanupIntervalSeconds ?? 60;
    if (interval > 0) {
      const timer = setInterval(
        () =>
          void runCleanup().catch((error: unknown) =>
            console.error('cleanup run failed:', (error as Error).message),
          ),
        interval * 1000,
      );
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

    return { url, dynamoDbEndpoint, s3Endpoint, runCleanup, cloudAssembly: assembly, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
};

const serveAssembly = async (
  options: LocalRuntimeOptions,
  stops: (() => Promise<void>)[],
  overrides: () => Record<string, string>,
) => {
  const { cloudAssembly } = options;
  if (!cloudAssembly) return undefined;
  const backend = await serveCloudAssembly({
    directory: cloudAssembly.directory,
    architecture: cloudAssembly.architecture ?? hostArchitectureOrFail(),
    tableName: options.tableName,
    bucketName: options.bucketName,
    dataDir: options.dataDir,
    overrides,
    onLog: cloudAssembly.onLog,
    progress: cloudAssembly.progress,
  });
  stops.push(() => backend.stop());
  return backend;
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
  const db = new DynamoDBClient(localDynamoConfig(dynamoDbEndpoint));
  const s3 = new S3Client({
    region: LOCAL_REGION,
    endpoint: s3Endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  try {
    await Promise.all([ensureTable(db, options.tableName), ensureBucket(s3, options.bucketName)]);
  } finally {
    db.destroy();
    s3.destroy();
  }
};

const handlerOf = (path: string) => async (): Promise<LambdaHandler> =>
  ((await import(path)) as { handler: LambdaHandler }).handler;

/** Where the local runtime serves the repository's sample image: something to import offline. */
export const SAMPLE_PATH = '/local/sample.jpg';

/** Local only (no such route on AWS): the README's import example fetches it. */
const SAMPLE_ROUTE: GatewayRoute = {
  method: 'GET',
  path: SAMPLE_PATH,
  load: async () => {
    const bytes = await readFile(new URL('../docs/sample.jpg', import.meta.url));
    return async () => ({
      statusCode: 200,
      headers: { 'content-type': 'image/jpeg', 'cache-control': 'public, max-age=3600' },
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    });
  },
};

/** API routes from the shared route table; everything else is a viewer link (function URL). */
const sourceRoutes = (): GatewayRoute[] => [
  ...ROUTES.map((route) => ({
    method: route.method,
    path: route.path,
    load: handlerOf(`../lambdas/http/${route.entry}.ts`),
  })),
  { method: 'GET', path: undefined, load: handlerOf('../lambdas/viewer/handler.ts') },
];

const hostArchitectureOrFail = (): Architecture => {
  const arch = hostArchitecture();
  if (!arch) throw new Error('Functions from a cloud assembly run on Linux x64 or arm64 only.');
  return arch;
};
