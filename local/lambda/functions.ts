import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { LOCAL_REGION } from '../aws-local-clients.ts';
import type { CloudAssembly, FunctionDefinition, LocalResources } from './assembly.ts';
import { ExecutionEnvironment, type InvokeOutcome } from './environment.ts';
import { type Architecture, type LambdaKit, lambdaKit } from './kit.ts';
import { taskRoot } from './task-root.ts';

export interface LambdaServiceOptions {
  assembly: CloudAssembly;
  resources: LocalResources;
  /** Variables set over the template's in every function (local endpoints, credentials, settings). */
  overrides: () => Record<string, string>;
  /** Where functions run: the host's architecture, or arm64 under emulation. */
  architecture: Architecture;
  /** Execution environments per function at most (Lambda's concurrency); invocations beyond wait. */
  maxEnvironments?: number;
  /** Every line a function prints. */
  onLog?: (fn: FunctionDefinition, line: string) => void;
  /** What the service does that takes a while (building the runtime client). */
  progress?: (line: string) => void;
}

export interface LambdaService {
  invoke(fn: FunctionDefinition, event: unknown): Promise<InvokeOutcome>;
  /** The cold starts so far: how long each environment took to ask for its first invocation. */
  coldStarts(): { function: string; initMs: number }[];
  stop(): Promise<void>;
}

/**
 * The functions of a cloud assembly, run the way Lambda runs them: each in execution environments of
 * its own (started on demand, reused while warm, one invocation at a time each), with the handler,
 * memory, timeout and environment the template gives it.
 */
export const startLambdaService = async (options: LambdaServiceOptions): Promise<LambdaService> => {
  const kit = await lambdaKit(options.architecture, options.progress ?? (() => undefined));
  const pools = new Map<string, Pool>();
  const poolOf = (fn: FunctionDefinition) => {
    let pool = pools.get(fn.id);
    if (!pool) {
      pool = new Pool(fn, () => startEnvironment(fn, kit, options), options.maxEnvironments ?? 4);
      pools.set(fn.id, pool);
    }
    return pool;
  };
  return {
    invoke: (fn, event) => poolOf(fn).invoke(event),
    coldStarts: () =>
      [...pools.values()].flatMap((pool) =>
        pool.initTimes().map((initMs) => ({ function: pool.fn.name, initMs })),
      ),
    stop: async () => {
      await Promise.all([...pools.values()].map((pool) => pool.stop()));
    },
  };
};

const startEnvironment = async (fn: FunctionDefinition, kit: LambdaKit, options: LambdaServiceOptions) => {
  const root = await taskRoot(fn.asset, { arch: options.architecture, builtFor: fn.architecture });
  return ExecutionEnvironment.start({
    name: fn.name,
    node: kit.node,
    ric: kit.ric,
    taskRoot: root,
    timeoutSeconds: fn.timeoutSeconds,
    environment: {
      ...lambdaVariables(fn, kit, root),
      ...options.assembly.environment(fn, options.resources),
      ...options.overrides(),
    },
    onLog: (line) => options.onLog?.(fn, line),
  });
};

/**
 * What Lambda's Node.js runtime sets in every execution environment (AWS documents them as reserved
 * variables). `NODE_PATH` holds the task root only: on Lambda it also lists the runtime's own
 * packages (the AWS SDK among them), which the bundles must not rely on.
 */
const lambdaVariables = (fn: FunctionDefinition, kit: LambdaKit, root: string): Record<string, string> => ({
  PATH: '/usr/local/bin:/usr/bin:/bin',
  LANG: 'en_US.UTF-8',
  TZ: ':UTC',
  NODE_PATH: root,
  LAMBDA_TASK_ROOT: root,
  LAMBDA_RUNTIME_DIR: dirname(kit.ric),
  _HANDLER: fn.handler,
  AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
  AWS_REGION: LOCAL_REGION,
  AWS_DEFAULT_REGION: LOCAL_REGION,
  AWS_LAMBDA_FUNCTION_NAME: fn.name,
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
  AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${randomBytes(16).toString('hex')}`,
  ...(fn.logFormat === 'JSON' && { AWS_LAMBDA_LOG_FORMAT: 'JSON' }),
});

/** One function's execution environments. */
class Pool {
  private readonly all = new Set<ExecutionEnvironment>();
  private readonly idle: ExecutionEnvironment[] = [];
  /** Invocations waiting for an environment; given one, or undefined to try again (one ended). */
  private readonly waiting: ((environment: ExecutionEnvironment | undefined) => void)[] = [];
  private readonly initMs: number[] = [];
  private starting = 0;
  private stopped = false;

  constructor(
    readonly fn: FunctionDefinition,
    private readonly start: () => Promise<ExecutionEnvironment>,
    private readonly max: number,
  ) {}

  async invoke(event: unknown): Promise<InvokeOutcome> {
    const environment = await this.take();
    const firstInvocation = environment.initMs === undefined;
    try {
      return await environment.invoke(event);
    } finally {
      if (firstInvocation && environment.initMs !== undefined) this.initMs.push(environment.initMs);
      this.release(environment);
    }
  }

  initTimes(): number[] {
    return [...this.initMs];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const waiter of this.waiting.splice(0)) waiter(undefined);
    await Promise.all([...this.all].map((environment) => environment.stop()));
  }

  /** An idle environment, a new one while there is room, or the next one another invocation releases. */
  private async take(): Promise<ExecutionEnvironment> {
    for (;;) {
      if (this.stopped) throw new Error(`${this.fn.name}: the Lambda service was stopped`);
      const idle = this.idle.pop();
      if (idle?.alive) return idle;
      if (idle) {
        this.all.delete(idle);
        continue;
      }
      if (this.all.size + this.starting < this.max) {
        this.starting++;
        try {
          const started = await this.start();
          this.all.add(started);
          return started;
        } finally {
          this.starting--;
        }
      }
      const handed = await new Promise<ExecutionEnvironment | undefined>((resolve) =>
        this.waiting.push(resolve),
      );
      if (handed) return handed;
    }
  }

  private release(environment: ExecutionEnvironment) {
    if (!environment.alive || this.stopped) {
      this.all.delete(environment);
      this.waiting.shift()?.(undefined);
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) waiter(environment);
    else this.idle.push(environment);
  }
}
