/**
 * `npm start`: the whole service on this machine (see local/runtime.ts).
 * Environment: PORT (3000), HOST (127.0.0.1), DATA_DIR (.data), PUBLIC_BASE_URL, TABLE_NAME, BUCKET_NAME;
 * CLOUD_ASSEMBLY (a `cdk synth` output: serve its functions instead of the sources) and
 * LAMBDA_ARCHITECTURE (x64 or arm64: where those functions run; default the host's).
 */
import { resolve } from 'node:path';
import { CONFIG_VARIABLES } from '#core/config';
import type { Architecture } from '#local/lambda/kit';
import { startLocalRuntime } from '#local/runtime';

const env = process.env;
const port = Number(env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`PORT must be a port number, got "${env.PORT}".`);
  process.exit(1);
}

const architecture = env.LAMBDA_ARCHITECTURE;
if (architecture !== undefined && architecture !== 'x64' && architecture !== 'arm64') {
  console.error(`LAMBDA_ARCHITECTURE must be x64 or arm64, got "${architecture}".`);
  process.exit(1);
}

const runtime = await startLocalRuntime({
  port,
  host: env.HOST ?? '127.0.0.1',
  dataDir: resolve(env.DATA_DIR ?? '.data'),
  tableName: env.TABLE_NAME ?? 'imgpro',
  bucketName: env.BUCKET_NAME ?? 'imgpro-originals',
  dynamoDbEndpoint: env.DYNAMODB_ENDPOINT,
  s3Endpoint: env.S3_ENDPOINT,
  publicBaseUrl: env.PUBLIC_BASE_URL,
  // Sources read this process's environment; functions run apart get the settings passed on.
  settings: Object.fromEntries(
    CONFIG_VARIABLES.flatMap((name) => (env[name] === undefined ? [] : [[name, env[name] as string]])),
  ),
  cloudAssembly: env.CLOUD_ASSEMBLY
    ? {
        directory: resolve(env.CLOUD_ASSEMBLY),
        architecture: architecture as Architecture | undefined,
        onLog: (fn, line) => console.log(`${fn.name}: ${line}`),
        progress: (line) => console.log(line),
      }
    : undefined,
}).catch((error: unknown) => {
  console.error(
    `Could not start the local runtime: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});

console.log(`imgpro local runtime ready${env.CLOUD_ASSEMBLY ? `, serving the functions synthesized in ${env.CLOUD_ASSEMBLY}` : ''}
  API:          ${runtime.url}/v1   (e.g. POST ${runtime.url}/v1/upload)
  Viewer links: ${env.PUBLIC_BASE_URL ?? runtime.url}/<id>
  DynamoDB:     ${runtime.dynamoDbEndpoint}
  S3:           ${runtime.s3Endpoint}
Create a key with: npm run -s admin -- team create --name demo
Press Ctrl-C to stop.`);

let stopping = false;
const shutdown = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  runtime.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('error while stopping', error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

// npm does not pass SIGTERM on to the script it runs: when whoever started us goes away (we are
// re-parented), stop as if signalled, so `kill <npm start's pid>` leaves nothing running either.
const launcher = process.ppid;
setInterval(() => {
  if (process.ppid !== launcher) shutdown('SIGTERM');
}, 500).unref();
