import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { nativeModulesOf } from './native-modules.ts';

/** The repository root: entries are given relative to it. */
export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

/**
 * In esbuild's ESM output, the CommonJS packages it bundles can neither `require()` Node built-ins
 * nor find `__dirname`; give them both.
 */
export const ESM_BANNER = [
  "import { createRequire as __imgproRequire } from 'node:module';",
  "import { fileURLToPath as __imgproPath } from 'node:url';",
  'const require = __imgproRequire(import.meta.url);',
  'const __filename = __imgproPath(import.meta.url);',
  "const __dirname = __imgproPath(new URL('.', import.meta.url));",
].join(' ');

/**
 * Node built-ins the bundles load through the one-line CommonJS shims of `builtins/`
 * (`process.getBuiltinModule`). An ESM `import` of a built-in builds its module namespace, which
 * reads every export, getters included: `node:http`'s `WebSocket` getter loads Node's internal
 * undici, `node:crypto`'s `webcrypto` Web Crypto, `node:process`'s the standard streams, at cold
 * start and for nothing. esbuild reads a CommonJS module's properties only where the code uses them,
 * so the same modules load without that work: 30–40 ms less module init on the bench's machine
 * (bench/RESULTS.md, "Cold start"). `require()` of a built-in gets the very same module object.
 */
const BUILTIN_ALIASES = Object.fromEntries(
  ['child_process', 'crypto', 'http', 'https', 'process', 'zlib'].flatMap((name) => {
    const shim = join(import.meta.dirname, 'builtins', `${name}.cjs`);
    return [
      [`--alias:${name}`, shim],
      [`--alias:node:${name}`, shim],
    ];
  }),
);

export interface ServiceFunctionProps {
  /** Entry module relative to the repository root, e.g. `lambdas/http/upload.ts`; exports `handler`. */
  readonly entry: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /**
   * Memory in MB; Lambda gives CPU in proportion (1,769 MB = one full vCPU).
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * @default Duration.seconds(29) — API Gateway gives up on an integration after 30 s
   */
  readonly timeout?: Duration;
  /** How long the function's log lines are kept. */
  readonly logRetention: RetentionDays;
  /** Powertools log level (`POWERTOOLS_LOG_LEVEL`). */
  readonly logLevel: string;
  /**
   * Concurrent executions set aside for this function, and its ceiling.
   * @default - none: the function shares the account's unreserved concurrency
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Files gzip-compressed beside the bundle: the name the function reads → the path from the
   * repository root.
   * @default - none
   */
  readonly assets?: Readonly<Record<string, string>>;
}

/**
 * onnxruntime-node ships binaries for five platforms (288 MB, over Lambda's 250 MB): keep linux-arm64.
 */
const ONNXRUNTIME_PRUNE = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (_input: string, output: string) => [
    `find ${output}/node_modules/onnxruntime-node/bin -mindepth 3 -maxdepth 3 -type d ! -path '*/linux/arm64' -exec rm -rf {} +`,
  ],
};

/** Commands that compress each asset beside the bundle (the ESM bundle sits at the output's root). */
const assetHooks = (assets: Readonly<Record<string, string>>) => ({
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (input: string, output: string) =>
    Object.entries(assets).map(
      ([name, source]) => `gzip -9 -n -c "${input}/${source}" > "${output}/${name}"`,
    ),
});

/**
 * The house Lambda function: Node 24 on arm64, one minified ESM bundle with source maps, its own
 * log group with a set retention, JSON logs, and a role that can only write its own
 * logs. Everything else it may touch is granted afterwards through the binding helpers, which set
 * the matching environment variable at the same time.
 *
 * Native packages (sharp) cannot be bundled: they are detected from the entry's import graph and
 * installed beside the bundle for linux-arm64 by npm, with no Docker involved.
 */

export class ServiceFunction extends NodejsFunction {
  /** The entry module, relative to the repository root. */
  readonly entry: string;
  /** Native packages installed beside the bundle (detected from the entry's imports). */
  readonly nativeModules: readonly string[];

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    const entry = join(PROJECT_ROOT, props.entry);
    const nodeModules = nativeModulesOf(entry);
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      // Logs describe requests, not data: they go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.entry}`,
    });
    super(scope, id, {
      entry,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(29),
      role,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      // No X-Ray: nothing in the code is instrumented (Powertools Tracer is not a dependency), and
      // active tracing alone records one opaque segment per invocation, at a price, answering nothing
      // the duration metrics and the JSON logs (with request ids) do not.
      ...(props.reservedConcurrentExecutions !== undefined && {
        reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      }),
      environment: {
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        // A linked .map file: Node maps stack traces (--enable-source-maps) without bloating the code.
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        banner: ESM_BANNER,
        esbuildArgs: BUILTIN_ALIASES,
        // The SDK ships in the bundle at the versions the tests ran against, not the runtime's own.
        bundleAwsSDK: true,
        externalModules: [],
        ...(props.assets && { commandHooks: assetHooks(props.assets) }),
        ...(nodeModules.length > 0 && {
          nodeModules,
          // npm installs the linux-arm64 build whatever the host, from its cache when it can.
          environment: {
            npm_config_os: 'linux',
            npm_config_cpu: 'arm64',
            npm_config_libc: 'glibc',
            npm_config_prefer_offline: 'true',
            // onnxruntime-node's postinstall fetches CUDA libraries; the CPU build it ships is enough.
            ONNXRUNTIME_NODE_INSTALL: 'skip',
          },
          ...(nodeModules.includes('onnxruntime-node') && { commandHooks: ONNXRUNTIME_PRUNE }),
        }),
      },
    });
    this.entry = props.entry;
    this.nativeModules = nodeModules;
    logGroup.grantWrite(this);
  }
}
