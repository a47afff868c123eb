import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LOCAL_REGION } from '../aws-local-clients.ts';

/**
 * The service as `cdk synth` wrote it: what a local runtime needs from a cloud assembly to serve
 * every route with the function CloudFormation would deploy for it. Everything comes from the
 * templates (routes, function settings and environments, the schedule, the CloudFront Functions),
 * so a route wired to the wrong function, a missing environment variable or an asset without its
 * native packages shows up here exactly as it would after `cdk deploy`.
 */

type Template = {
  Resources: Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
  >;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: string } }>;
};

export interface FunctionDefinition {
  /** `Stack/LogicalId`, unique in the assembly. */
  id: string;
  stack: string;
  /** The construct's id (`UploadFunction`), for logs. */
  name: string;
  /** The bundled asset: what Lambda unpacks into `/var/task`. */
  asset: string;
  handler: string;
  runtime: string;
  architecture: 'x64' | 'arm64';
  memoryMb: number;
  timeoutSeconds: number;
  /** As written in the template: values may be intrinsic functions (see `resolve`). */
  environment: Record<string, unknown>;
  logFormat: 'JSON' | 'Text';
  /** Invoked through a function URL in `RESPONSE_STREAM` mode. */
  streaming: boolean;
}

export interface ApiRoute {
  method: string;
  path: string;
  function: string;
}

/** A CloudFront Function as deployed: its code and runtime, and what it sits in front of. */
export interface EdgeFunction {
  id: string;
  runtime: string;
  code: string;
  /** `api`: in front of the HTTP API; `viewer`: in front of the streaming function URL. */
  origin: 'api' | 'viewer';
}

/** Any CloudFront Function in the templates, wherever it is associated. */
export interface CloudFrontFunctionResource {
  id: string;
  runtime: string;
  code: string;
  comment: string;
}

/** What the local runtime stands in for AWS's resources with: one table, one bucket, the secrets' values. */
export interface LocalResources {
  tableName: string;
  bucketName: string;
  secretValue(arn: string): string;
}

export interface CloudAssembly {
  directory: string;
  functions: ReadonlyMap<string, FunctionDefinition>;
  routes: readonly ApiRoute[];
  /** The function behind the viewer's function URL. */
  viewer: FunctionDefinition;
  /** Functions an EventBridge schedule invokes. */
  scheduled: readonly FunctionDefinition[];
  edgeFunctions: readonly EdgeFunction[];
  /** Every CloudFront Function in the templates: those above and any on other behaviours. */
  cloudFrontFunctions: readonly CloudFrontFunctionResource[];
  /** Secrets Manager secrets: their ARNs as the functions see them, and their logical ids. */
  secrets: readonly { arn: string; logicalId: string }[];
  /** A function's environment variables, with the local resources standing in for AWS's. */
  environment(fn: FunctionDefinition, resources: LocalResources): Record<string, string>;
  /** The headers CloudFront adds to every request it forwards to the API (its origin custom headers). */
  apiOriginHeaders(resources: LocalResources): Record<string, string>;
}

const ACCOUNT = '000000000000';

export const readCloudAssembly = (directory: string): CloudAssembly => {
  const dir = resolve(directory);
  const manifest = readJson<{
    artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
  }>(join(dir, 'manifest.json'));
  const stacks = new Map<string, Template>();
  for (const [name, artifact] of Object.entries(manifest.artifacts)) {
    if (artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile)
      stacks.set(name, readJson<Template>(join(dir, artifact.properties.templateFile)));
  }
  if (stacks.size === 0) throw new Error(`${dir} holds no stack: run \`npx cdk synth\` first.`);

  const resource = (stack: string, logicalId: string) => {
    const found = stacks.get(stack)?.Resources[logicalId];
    if (!found) throw new Error(`${stack} has no resource ${logicalId}`);
    return found;
  };
  const all = [...stacks].flatMap(([stack, template]) =>
    Object.entries(template.Resources).map(([logicalId, body]) => ({ stack, logicalId, ...body })),
  );
  const ofType = (type: string) => all.filter((each) => each.Type === type);
  /** The logical id a `Ref` or `Fn::GetAtt` points at. */
  const target = (value: unknown): string | undefined => {
    const node = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
    return node?.Ref ?? node?.['Fn::GetAtt']?.[0];
  };

  const urls = ofType('AWS::Lambda::Url');
  const functions = new Map<string, FunctionDefinition>();
  // CDK's own deploy-time providers (the dashboard's BucketDeployment, in Python) serve no request.
  for (const fn of ofType('AWS::Lambda::Function').filter((each) => !isCdkProvider(each.Metadata))) {
    const props = fn.Properties as {
      Handler: string;
      Runtime: string;
      Architectures?: string[];
      MemorySize?: number;
      Timeout?: number;
      Environment?: { Variables?: Record<string, unknown> };
      LoggingConfig?: { LogFormat?: 'JSON' | 'Text' };
    };
    const assetPath = fn.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') throw new Error(`${fn.logicalId} has no bundled asset`);
    const url = urls.find(
      (each) => each.stack === fn.stack && target(each.Properties?.TargetFunctionArn) === fn.logicalId,
    );
    const id = `${fn.stack}/${fn.logicalId}`;
    functions.set(id, {
      id,
      stack: fn.stack,
      name: String(fn.Metadata?.['aws:cdk:path'] ?? id).split('/')[1] ?? id,
      asset: join(dir, assetPath),
      handler: props.Handler,
      runtime: props.Runtime,
      architecture: props.Architectures?.[0] === 'arm64' ? 'arm64' : 'x64',
      memoryMb: props.MemorySize ?? 128,
      timeoutSeconds: props.Timeout ?? 3,
      environment: props.Environment?.Variables ?? {},
      logFormat: props.LoggingConfig?.LogFormat ?? 'Text',
      streaming: url?.Properties?.InvokeMode === 'RESPONSE_STREAM',
    });
  }
  const functionOf = (stack: string, reference: unknown): FunctionDefinition => {
    const found = functions.get(`${stack}/${target(reference)}`);
    if (!found) throw new Error(`${stack}: ${JSON.stringify(reference)} is not a function of the assembly`);
    return found;
  };

  const routes = ofType('AWS::ApiGatewayV2::Route').map((route) => {
    const props = route.Properties as { RouteKey: string; Target: { 'Fn::Join': [string, unknown[]] } };
    const [method = '', path = ''] = props.RouteKey.split(' ');
    const integration = resource(route.stack, target(props.Target['Fn::Join'][1][1]) ?? '');
    return { method, path, function: functionOf(route.stack, integration.Properties?.IntegrationUri).id };
  });

  const [viewerUrl, ...otherUrls] = urls;
  if (!viewerUrl || otherUrls.length > 0) throw new Error('expected exactly one function URL (the viewer)');
  const viewer = functionOf(viewerUrl.stack, viewerUrl.Properties?.TargetFunctionArn);

  const scheduled = ofType('AWS::Events::Rule').flatMap((rule) =>
    ((rule.Properties?.Targets ?? []) as { Arn: unknown }[]).map((each) => functionOf(rule.stack, each.Arn)),
  );

  const edgeFunctions: EdgeFunction[] = [];
  let apiOrigin: { stack: string; headers: Record<string, unknown> } = { stack: '', headers: {} };
  for (const distribution of ofType('AWS::CloudFront::Distribution')) {
    const config = distribution.Properties?.DistributionConfig as {
      Origins: {
        DomainName: unknown;
        OriginCustomHeaders?: { HeaderName: string; HeaderValue: unknown }[];
      }[];
      DefaultCacheBehavior: { FunctionAssociations?: { EventType: string; FunctionARN: unknown }[] };
    };
    const [origin] = config.Origins;
    const originType = origin && resource(distribution.stack, originTarget(origin.DomainName) ?? '').Type;
    const kind =
      originType === 'AWS::ApiGatewayV2::Api'
        ? 'api'
        : originType === 'AWS::Lambda::Url'
          ? 'viewer'
          : undefined;
    if (!kind) continue;
    if (kind === 'api') {
      const headers = (origin?.OriginCustomHeaders ?? []).map((header) => [
        header.HeaderName.toLowerCase(),
        header.HeaderValue,
      ]);
      apiOrigin = { stack: distribution.stack, headers: Object.fromEntries(headers) };
    }
    for (const association of config.DefaultCacheBehavior.FunctionAssociations ?? []) {
      const logicalId = target(association.FunctionARN) ?? '';
      const props = resource(distribution.stack, logicalId).Properties as {
        FunctionCode: string;
        FunctionConfig: { Runtime: string };
      };
      edgeFunctions.push({
        id: `${distribution.stack}/${logicalId}`,
        runtime: props.FunctionConfig.Runtime,
        code: props.FunctionCode,
        origin: kind,
      });
    }
  }

  const cloudFrontFunctions = ofType('AWS::CloudFront::Function').map(({ stack, logicalId, Properties }) => {
    const props = Properties as {
      FunctionCode: string;
      FunctionConfig: { Runtime: string; Comment?: string };
    };
    return {
      id: `${stack}/${logicalId}`,
      runtime: props.FunctionConfig.Runtime,
      code: props.FunctionCode,
      comment: props.FunctionConfig.Comment ?? '',
    };
  });

  const exports = new Map<string, { stack: string; value: unknown }>();
  for (const [stack, template] of stacks) {
    for (const output of Object.values(template.Outputs ?? {}))
      if (output.Export) exports.set(output.Export.Name, { stack, value: output.Value });
  }
  const secrets = ofType('AWS::SecretsManager::Secret').map(({ logicalId }) => ({
    logicalId,
    arn: secretArn(logicalId),
  }));

  const evaluate = (stack: string, value: unknown, local: LocalResources): unknown => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
    if (Array.isArray(value)) return value.map((each) => evaluate(stack, each, local));
    const [[fn, args] = []] = Object.entries(value as object);
    const text = (each: unknown) => String(evaluate(stack, each, local));
    switch (fn) {
      case 'Ref':
        return physical(stack, String(args), 'Ref', local);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = args as [string, string];
        return physical(stack, logicalId, attribute, local);
      }
      case 'Fn::ImportValue': {
        const exported = exports.get(text(args));
        if (!exported) throw new Error(`no stack exports ${text(args)}`);
        return evaluate(exported.stack, exported.value, local);
      }
      case 'Fn::Join': {
        const [separator, parts] = args as [string, unknown[]];
        return parts.map(text).join(separator);
      }
      case 'Fn::Split': {
        const [separator, source] = args as [string, unknown];
        return text(source).split(separator);
      }
      case 'Fn::Select': {
        const [index, list] = args as [number, unknown];
        return (evaluate(stack, list, local) as unknown[])[Number(index)];
      }
      default:
        throw new Error(
          `the local runtime cannot evaluate ${JSON.stringify(value)} (teach local/lambda/assembly.ts)`,
        );
    }
  };

  const physical = (stack: string, logicalId: string, attribute: string, local: LocalResources): string => {
    if (logicalId === 'AWS::Region') return LOCAL_REGION;
    if (logicalId === 'AWS::AccountId') return ACCOUNT;
    if (logicalId === 'AWS::Partition') return 'aws';
    if (logicalId === 'AWS::URLSuffix') return 'amazonaws.com';
    const { Type } = resource(stack, logicalId);
    const value = PHYSICAL[Type]?.[attribute]?.(local, logicalId);
    if (value === undefined)
      throw new Error(
        `the local runtime has nothing for ${attribute} of ${Type} ${logicalId} (teach local/lambda/assembly.ts)`,
      );
    return value;
  };

  return {
    directory: dir,
    functions,
    routes,
    viewer,
    scheduled,
    edgeFunctions,
    cloudFrontFunctions,
    secrets,
    environment: (fn, local) => resolveAll(fn.stack, fn.environment, local),
    apiOriginHeaders: (local) => resolveAll(apiOrigin.stack, apiOrigin.headers, local),
  };

  /** Values of template expressions, with dynamic references to secrets replaced by their values. */
  function resolveAll(stack: string, values: Record<string, unknown>, local: LocalResources) {
    const text = (value: unknown) =>
      String(evaluate(stack, value, local)).replace(
        /\{\{resolve:secretsmanager:(arn:[^}]+?):SecretString:::\}\}/g,
        (_reference, arn: string) => local.secretValue(arn),
      );
    return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, text(value)]));
  }
};

/** The resource a CloudFront origin's domain is derived from (`Fn::Select`/`Fn::Split` over a `Fn::GetAtt`). */
const originTarget = (domain: unknown): string | undefined => {
  const text = JSON.stringify(domain);
  return /"Fn::GetAtt":\["([^"]+)"/.exec(text)?.[1];
};

const secretArn = (logicalId: string) =>
  `arn:aws:secretsmanager:${LOCAL_REGION}:${ACCOUNT}:secret:${logicalId}-local`;

/** What `Ref` and `Fn::GetAtt` give for each kind of resource the functions' settings refer to. */
const PHYSICAL: Record<string, Record<string, (local: LocalResources, logicalId: string) => string>> = {
  'AWS::DynamoDB::GlobalTable': {
    Ref: (local) => local.tableName,
    Arn: (local) => `arn:aws:dynamodb:${LOCAL_REGION}:${ACCOUNT}:table/${local.tableName}`,
  },
  'AWS::DynamoDB::Table': {
    Ref: (local) => local.tableName,
    Arn: (local) => `arn:aws:dynamodb:${LOCAL_REGION}:${ACCOUNT}:table/${local.tableName}`,
  },
  'AWS::S3::Bucket': {
    Ref: (local) => local.bucketName,
    Arn: (local) => `arn:aws:s3:::${local.bucketName}`,
  },
  'AWS::SecretsManager::Secret': { Ref: (_local, logicalId) => secretArn(logicalId) },
  'AWS::CloudFront::Distribution': {
    Ref: (_local, logicalId) => `E${logicalId.replace(/[^A-Z0-9]/g, '').slice(-12)}`,
    DomainName: (_local, logicalId) => `${logicalId.toLowerCase()}.cloudfront.local`,
  },
};

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** A function CDK itself adds to run a custom resource at deploy time (`Custom::…` in its path). */
export const isCdkProvider = (metadata: Record<string, unknown> | undefined): boolean =>
  String(metadata?.['aws:cdk:path'] ?? '').includes('/Custom::');
