/**
 * `npm start`: the whole service on this machine (see local/runtime.ts).
 * Environment: PORT (3000), HOST (127.0.0.1), DATA_DIR (.data), PUBLIC_BASE_URL, TABLE_NAME, BUCKET_NAME;
 * CLOUD_ASSEMBLY (a `cdk synth` output: serve its functions instead of the sources) and
 * LAMBDA_ARCHITECTURE (x64 or arm64: where those functions run; default the host's);
 * LOG_FORMAT (`pretty`: one short line per request, the default in a terminal; `json` otherwise);
 * CORS_ALLOW_ORIGINS (comma-separated, `*` by default, as the stack's corsAllowOrigins).
 */
import { resolve } from 'node:path';
import { CONFIG_VARIABLES } from '#core/config';
import type { RequestLogEntry } from '#local/gateway';
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

const logFormat = env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json');
if (logFormat !== 'pretty' && logFormat !== 'json') {
  console.error(`LOG_FORMAT must be pretty or json, got "${env.LOG_FORMAT}".`);
  process.exit(1);
}

const host = env.HOST ?? '127.0.0.1';
/**
 * On this machine only: imports may fetch from this runtime itself (its sample image) when it
 * listens on loopback alone. A deployment keeps the address policy's defaults (config.ts).
 */
const localImports: Record<string, string> =
  isLoopback(host) && env.IMPORT_ALLOW_PRIVATE_NETWORKS === undefined
    ? {
        IMPORT_ALLOW_PRIVATE_NETWORKS: 'true',
        IMPORT_ALLOWED_PORTS: env.IMPORT_ALLOWED_PORTS ?? `80,443,${port}`,
      }
    : {};

const runtime = await startLocalRuntime({
  port,
  host,
  dataDir: resolve(env.DATA_DIR ?? '.data'),
  tableName: env.TABLE_NAME ?? 'imgpro',
  bucketName: env.BUCKET_NAME ?? 'imgpro-originals',
  dynamoDbEndpoint: env.DYNAMODB_ENDPOINT,
  s3Endpoint: env.S3_ENDPOINT,
  publicBaseUrl: env.PUBLIC_BASE_URL,
  // Sources read this process's environment; functions run apart get the settings passed on.
  settings: {
    ...localImports,
    ...Object.fromEntries(
      CONFIG_VARIABLES.flatMap((name) => (env[name] === undefined ? [] : [[name, env[name] as string]])),
    ),
  },
  corsAllowOrigins: (env.CORS_ALLOW_ORIGINS ?? '*').split(',').map((origin) => origin.trim()),
  onRequest: logFormat === 'pretty' ? prettyLine : jsonLine,
  // In a terminal the request lines say what happened; the services add only warnings and errors.
  quietServiceLogs: logFormat === 'pretty' && env.POWERTOOLS_LOG_LEVEL === undefined,
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

const dataDirArg = env.DATA_DIR ? `DATA_DIR=${env.DATA_DIR} ` : '';
console.log(`imgpro local runtime ready${env.CLOUD_ASSEMBLY ? `, serving the functions synthesized in ${env.CLOUD_ASSEMBLY}` : ''}
  API:          ${runtime.url}/v1   (e.g. POST ${runtime.url}/v1/upload)
  Viewer links: ${env.PUBLIC_BASE_URL ?? runtime.url}/<id>
  API document: ${runtime.url}/openapi.json
  DynamoDB:     ${runtime.dynamoDbEndpoint}
  S3:           ${runtime.s3Endpoint}
Get an API key (in another terminal):
  TEAM=$(${dataDirArg}npm run -s admin -- team create --name demo --field team_id)
  KEY=$(${dataDirArg}npm run -s admin -- key create --team "$TEAM" --field key)
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

/** `POST /v1/upload 201 38ms`, coloured by status class when the terminal takes colour. */
function prettyLine({ method, path, status, ms }: RequestLogEntry) {
  const colour = process.stdout.hasColors?.() ? (status >= 500 ? 31 : status >= 400 ? 33 : 32) : undefined;
  const shown = colour === undefined ? String(status) : `\x1b[${colour}m${status}\x1b[0m`;
  console.log(`${method} ${path} ${shown} ${ms}ms`);
}

function jsonLine(entry: RequestLogEntry) {
  console.log(
    JSON.stringify({ level: 'INFO', message: 'request', timestamp: new Date().toISOString(), ...entry }),
  );
}

function isLoopback(address: string) {
  return address === 'localhost' || address === '::1' || address.startsWith('127.');
}
