import { randomUUID } from 'node:crypto';
import type { GatewayRoute } from '../gateway.ts';
import { localSecret } from '../provision.ts';
import { type CloudAssembly, type FunctionDefinition, readCloudAssembly } from './assembly.ts';
import { type AwsStandIns, startAwsStandIns } from './aws-stand-ins.ts';
import { type LambdaService, startLambdaService } from './functions.ts';
import {
  apiGatewayResponse,
  cloudFrontFunction,
  forwardingDistribution,
  functionUrlResponse,
  scheduledEvent,
} from './integrations.ts';
import type { Architecture } from './kit.ts';

export interface CloudAssemblyOptions {
  /** The `cdk synth` output. */
  directory: string;
  /** Where the functions run: the host's architecture (its native binaries added), or arm64 emulated. */
  architecture: Architecture;
  tableName: string;
  bucketName: string;
  /** Where the secrets' local values are kept. */
  dataDir: string;
  /** Variables set over the template's in every function: the local endpoints, credentials and settings. */
  overrides: () => Record<string, string>;
  onLog?: (fn: FunctionDefinition, line: string) => void;
  progress?: (line: string) => void;
  /** A failed invocation (init error, timeout, crash, unhandled error). @default console.error */
  onFailure?: (line: string) => void;
}

export interface CloudAssemblyBackend {
  assembly: CloudAssembly;
  /** The API's routes (each behind the API's distribution) and the viewer's function URL as `$default`. */
  routes: GatewayRoute[];
  /** Invokes every scheduled function once, as EventBridge does; their results in order. */
  runSchedule(): Promise<unknown[]>;
  service: LambdaService;
  standIns: AwsStandIns;
  stop(): Promise<void>;
}

/**
 * Serves a cloud assembly: every API route with the function the template wires it to, invoked with
 * API Gateway's event and read back the way API Gateway reads it, behind what the API's CloudFront
 * distribution does (its synthesized viewer-request function and its origin headers); the viewer's
 * function URL (a streamed response); and the schedule. The viewer's distribution is not stood in
 * for: it is a cache, and the origin behind it is what runs here.
 */
export const serveCloudAssembly = async (options: CloudAssemblyOptions): Promise<CloudAssemblyBackend> => {
  const assembly = readCloudAssembly(options.directory);
  const secrets = new Map<string, string>();
  for (const secret of assembly.secrets)
    secrets.set(secret.arn, await localSecret(options.dataDir, `secret-${secret.logicalId}`));
  const resources = {
    tableName: options.tableName,
    bucketName: options.bucketName,
    secretValue: (arn: string) => {
      const value = secrets.get(arn);
      if (value === undefined) throw new Error(`the template refers to a secret it does not define: ${arn}`);
      return value;
    },
  };
  const standIns = await startAwsStandIns(secrets);
  const service = await startLambdaService({
    assembly,
    resources,
    architecture: options.architecture,
    overrides: () => ({ ...standIns.endpoints, ...options.overrides() }),
    onLog: options.onLog,
    progress: options.progress,
  }).catch(async (error: unknown) => {
    await standIns.stop();
    throw error;
  });

  const apiEdge = assembly.edgeFunctions.find((edge) => edge.origin === 'api');
  const edge =
    apiEdge && forwardingDistribution(cloudFrontFunction(apiEdge.code), assembly.apiOriginHeaders(resources));
  const invoker =
    (fn: FunctionDefinition, read: typeof apiGatewayResponse) => async () => async (event: unknown) => {
      const outcome = await service.invoke(fn, event);
      // What Lambda would record as a failed invocation (the client only sees a 500 or 502).
      if (outcome.type !== 'response' && outcome.error)
        (options.onFailure ?? console.error)(
          `${fn.name} failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`,
        );
      return read(outcome);
    };
  const functionOf = (id: string) => {
    const fn = assembly.functions.get(id);
    if (!fn) throw new Error(`no function ${id}`);
    return fn;
  };

  return {
    assembly,
    routes: [
      ...assembly.routes.map((route) => ({
        method: route.method,
        path: route.path,
        load: invoker(functionOf(route.function), apiGatewayResponse),
        ...(edge && { edge }),
      })),
      { method: 'GET', path: undefined, load: invoker(assembly.viewer, functionUrlResponse) },
    ],
    runSchedule: async () => {
      const results: unknown[] = [];
      for (const fn of assembly.scheduled) {
        const outcome = await service.invoke(
          fn,
          scheduledEvent(`${fn.name}Schedule-${randomUUID().slice(0, 8)}`),
        );
        if (outcome.type !== 'response')
          throw new Error(`${fn.name} failed: ${outcome.error?.errorType}: ${outcome.error?.errorMessage}`);
        results.push(JSON.parse(outcome.payload.toString('utf8')));
      }
      return results;
    },
    service,
    standIns,
    stop: async () => {
      await service.stop();
      await standIns.stop();
    },
  };
};
