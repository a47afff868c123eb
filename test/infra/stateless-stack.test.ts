import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambdas/core/config.ts';
import { ORIGIN_SECRET_HEADER } from '../../lambdas/core/http/edge-contract.ts';
import { keys } from '../../lambdas/core/store/keys.ts';
import { DOCS_SCRIPT_ASSET, DOCS_SCRIPT_PATH, ROUTES, type RouteAccess } from '../../lambdas/http/routes.ts';
import { usesServices } from '../../lib/constructs/bindings.ts';
import type { ServiceFunction } from '../../lib/constructs/service-function.ts';
import { buildApiRequestCode } from '../../lib/edge/build.ts';
import { ACCEPT_CLASS_HEADER } from '../../lib/edge/viewer-request.ts';
import {
  CLEANUP_ACCESS,
  CLEANUP_ENTRY,
  type StatelessStack,
  VIEWER_ACCESS,
  VIEWER_ENTRY,
} from '../../lib/stateless-stack.ts';
import { CUSTOM_DOMAINS, OPERATING_OPTIONS, serviceApp } from './app.ts';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

// Built while the tests are collected: the per-function tables below are read from it.
const service = serviceApp();
const stack = service.stateless;
const template = Template.fromStack(stack);

afterAll(() => service.dispose());

/** The logical id of a construct's CloudFormation resource in its stack. */
const idIn = (owner: StatelessStack, construct: IConstruct | undefined) =>
  owner.getLogicalId(construct?.node.defaultChild as CfnElement);
const logicalId = (construct: IConstruct | undefined) => idIn(stack, construct);

/** The statements of the policy attached to a function's role. */
const statementsOf = (fn: ServiceFunction): Statement[] => {
  const roleId = logicalId(fn.role);
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: roleId }] },
  });
  return Object.values(policies).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
  );
};
const actionsOf = (fn: ServiceFunction): string[] =>
  statementsOf(fn).flatMap((statement) => [statement.Action].flat());
const resourcesOf = (fn: ServiceFunction, action: string): unknown[] =>
  statementsOf(fn)
    .filter((statement) => [statement.Action].flat().includes(action))
    .flatMap((statement) => [statement.Resource].flat());
const environmentOf = (fn: ServiceFunction): Record<string, unknown> =>
  template.toJSON().Resources[logicalId(fn)].Properties.Environment?.Variables ?? {};

/** Every action that changes an item. */
const TABLE_WRITES = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:TransactWriteItems',
];
const imported = (name: string) => ({ 'Fn::ImportValue': `ImgproStateful:${name}` });
const objectsOf = { 'Fn::Join': ['', [imported('BucketArn'), '/*']] };

/** API functions check each caller (and the origin secret); only the OpenAPI document is open. */
const authenticates = (fn: ServiceFunction): boolean =>
  ROUTES.some((route) => stack.routeFunctions.get(route) === fn && usesServices(route.access));

/** Every function of the stack with the access it declares. */
const declared = (): Array<[string, ServiceFunction, RouteAccess]> => [
  ...ROUTES.map((route): [string, ServiceFunction, RouteAccess] => [
    `${route.method} ${route.path}`,
    stack.routeFunctions.get(route) as ServiceFunction,
    route.access,
  ]),
  ['viewer', stack.viewerFunction, VIEWER_ACCESS],
  ['cleanup', stack.cleanupFunction, CLEANUP_ACCESS],
];

describe('HTTP API', () => {
  it.each(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s is served by its own entry module',
    (routeKey, route) => {
      const fn = stack.routeFunctions.get(route) as ServiceFunction;
      expect(fn.entry).toBe(`lambdas/http/${route.entry}.ts`);
      const integrations = template.findResources('AWS::ApiGatewayV2::Integration', {
        Properties: { IntegrationUri: { 'Fn::GetAtt': [logicalId(fn), 'Arn'] }, PayloadFormatVersion: '2.0' },
      });
      expect(Object.keys(integrations)).toHaveLength(1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey,
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: Object.keys(integrations)[0] }]] },
      });
    },
  );

  it('has no other routes', () => {
    expect(Object.keys(template.findResources('AWS::ApiGatewayV2::Route'))).toHaveLength(ROUTES.length);
  });

  it('throttles the stage and writes access logs without credentials', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
    });
    const format = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0]?.Properties
      .AccessLogSettings.Format as string;
    expect(format).not.toMatch(/authorization|querystring/i);
  });
});

describe('API front door (CloudFront before the HTTP API)', () => {
  const apiDistribution = () =>
    template.toJSON().Resources[logicalId(stack.apiCdn.distribution)].Properties.DistributionConfig;

  it('is what clients are told to call', () => {
    template.hasOutput('ApiUrl', {
      Value: {
        'Fn::Join': [
          '',
          ['https://', { 'Fn::GetAtt': [logicalId(stack.apiCdn.distribution), 'DomainName'] }],
        ],
      },
    });
  });

  it('forwards every method to the execute-api host over HTTPS, caching nothing', () => {
    const config = apiDistribution();
    expect(config.DefaultCacheBehavior).toMatchObject({
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      // Managed policies: CachingDisabled, AllViewerExceptHostHeader (API Gateway routes on its own host).
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
      ViewerProtocolPolicy: 'https-only',
    });
    const [origin] = config.Origins;
    expect(origin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only' });
    // https://{id}.execute-api.{region}.amazonaws.com → its host, the third '/'-separated part.
    expect(origin.DomainName).toEqual({
      'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [logicalId(stack.api.api), 'ApiEndpoint'] }] }],
    });
  });

  it('adds the origin secret from Secrets Manager, never its value', () => {
    const [origin] = apiDistribution().Origins;
    expect(origin.OriginCustomHeaders).toEqual([
      {
        HeaderName: ORIGIN_SECRET_HEADER,
        HeaderValue: {
          'Fn::Join': [
            '',
            [
              '{{resolve:secretsmanager:',
              { Ref: logicalId(stack.apiCdn.originSecret) },
              ':SecretString:::}}',
            ],
          ],
        },
      },
    ]);
  });

  it('runs the API function on every viewer request, built from lib/edge/api-request.ts', () => {
    expect(apiDistribution().DefaultCacheBehavior.FunctionAssociations).toEqual([
      {
        EventType: 'viewer-request',
        FunctionARN: { 'Fn::GetAtt': [logicalId(stack.apiCdn.apiRequest), 'FunctionARN'] },
      },
    ]);
    template.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionCode: buildApiRequestCode(),
      FunctionConfig: Match.objectLike({ Runtime: 'cloudfront-js-2.0' }),
    });
  });
});

describe('docs and llms.txt', () => {
  const routeKeys = () =>
    Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => route.Properties.RouteKey,
    );

  it('are routes of the API, each with a function of its own that may touch nothing', () => {
    expect(routeKeys()).toEqual(
      expect.arrayContaining(['GET /docs', `GET ${DOCS_SCRIPT_PATH}`, 'GET /llms.txt', 'GET /openapi.json']),
    );
    for (const entry of ['docs', 'docs-script', 'llms']) {
      const route = ROUTES.find((each) => each.entry === entry);
      expect(route?.access).toEqual({});
      const fn = route && stack.routeFunctions.get(route);
      expect(fn?.nativeModules).toEqual([]);
      expect(usesServices(route?.access ?? {})).toBe(false);
    }
  });

  it("builds Scalar's script beside its function's bundle, and caches it at the API's edge", () => {
    const script = ROUTES.find((route) => route.path === DOCS_SCRIPT_PATH);
    expect(script?.assets).toEqual({ [DOCS_SCRIPT_ASSET.name]: DOCS_SCRIPT_ASSET.source });
    const config =
      template.toJSON().Resources[logicalId(stack.apiCdn.distribution)].Properties.DistributionConfig;
    expect(config.CacheBehaviors).toEqual([
      expect.objectContaining({
        PathPattern: DOCS_SCRIPT_PATH,
        AllowedMethods: ['GET', 'HEAD'],
        // Managed policy CachingOptimized: the origin's cache-control decides, per encoding.
        CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
        ViewerProtocolPolicy: 'https-only',
        TargetOriginId: config.DefaultCacheBehavior.TargetOriginId,
      }),
    ]);
  });
});

describe('functions', () => {
  it.each(declared().map(([name, fn]) => [name, fn] as const))(
    '%s runs on the house defaults',
    (_name, fn) => {
      const resources = template.toJSON().Resources;
      const properties = resources[logicalId(fn)].Properties;
      expect(properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogFormat: 'JSON' },
        Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_LOG_LEVEL: 'INFO' } },
      });
      // X-Ray off: nothing is instrumented (no Powertools Tracer), so active tracing would answer nothing.
      expect(properties.TracingConfig).toBeUndefined();
      expect(resources[properties.LoggingConfig.LogGroup.Ref]).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        Properties: { RetentionInDays: 30 },
        DeletionPolicy: 'Delete',
      });
    },
  );

  it('installs native and lazily loaded packages only beside functions whose code imports them', () => {
    expect(stack.viewerFunction.nativeModules).toEqual(['sharp', 'onnxruntime-node']);
    const upload = ROUTES.find((route) => route.entry === 'upload');
    if (upload) expect(stack.routeFunctions.get(upload)?.nativeModules).toEqual(['sharp', 'heic-decode']);
    const list = ROUTES.find((route) => route.entry === 'list-media');
    if (list) expect(stack.routeFunctions.get(list)?.nativeModules).toEqual([]);
    const openapi = ROUTES.find((route) => route.entry === 'openapi');
    if (openapi) expect(stack.routeFunctions.get(openapi)?.nativeModules).toEqual([]);
  });
});

describe('least privilege', () => {
  it.each(declared())('%s is granted exactly its declared access', (_name, fn, access) => {
    const actions = actionsOf(fn);

    // Exactly the declared table actions, on the table; Query on its indexes too, nothing else there.
    // The viewer also writes variant records, on their keys only (checked under "variant budget").
    const variantWrites = fn === stack.viewerFunction ? ['UpdateItem'] : [];
    const declaredTable = [...(access.table ?? []), ...variantWrites].map((action) => `dynamodb:${action}`);
    expect([...new Set(actions.filter((action) => action.startsWith('dynamodb:')))].sort()).toEqual(
      [...declaredTable].sort(),
    );
    for (const action of declaredTable) {
      expect(resourcesOf(fn, action), action).toEqual(
        action === 'dynamodb:Query'
          ? [imported('TableArn'), { 'Fn::Join': ['', [imported('TableArn'), '/index/*']] }]
          : [imported('TableArn')],
      );
    }

    const objectActions = {
      read: ['s3:GetObject', 's3:ListBucket'],
      get: ['s3:GetObject'],
      put: ['s3:PutObject'],
      delete: ['s3:DeleteObject'],
      list: ['s3:ListBucket'],
    };
    const expectedObjectActions = (access.originals ?? []).flatMap((operation) => objectActions[operation]);
    // The viewer also writes stored variants, under their prefix only (checked under "variant store").
    const variantPuts = fn === stack.viewerFunction ? ['s3:PutObject'] : [];
    expect(actions.filter((action) => action.startsWith('s3:')).sort()).toEqual(
      [...expectedObjectActions, ...variantPuts].sort(),
    );
    for (const action of expectedObjectActions.filter((action) => action !== 's3:ListBucket')) {
      expect(resourcesOf(fn, action)).toEqual([objectsOf]);
    }

    // The upgrade-link key where declared; the origin secret for every API function that
    // authenticates callers (all but the OpenAPI document; never the viewer or the cleanup job).
    const secrets = [
      ...(access.upgradeSecret ? [imported('UpgradeLinkSecretArn')] : []),
      ...(authenticates(fn) ? [{ Ref: logicalId(stack.apiCdn.originSecret) }] : []),
    ];
    const secretActions = actions.filter((action) => action.startsWith('secretsmanager:'));
    expect([...new Set(secretActions)].sort()).toEqual(
      secrets.length > 0 ? ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'] : [],
    );
    expect(resourcesOf(fn, 'secretsmanager:GetSecretValue')).toEqual(expect.arrayContaining(secrets));
    expect(resourcesOf(fn, 'secretsmanager:GetSecretValue')).toHaveLength(secrets.length);
    expect(environmentOf(fn).UPGRADE_LINK_SECRET_ARN).toEqual(
      access.upgradeSecret ? imported('UpgradeLinkSecretArn') : undefined,
    );
    expect(environmentOf(fn).ORIGIN_SECRET_ARN).toEqual(
      authenticates(fn) ? { Ref: logicalId(stack.apiCdn.originSecret) } : undefined,
    );
  });

  it.each(declared())('%s has no wildcard action and nothing on every resource', (_name, fn) => {
    for (const statement of statementsOf(fn)) {
      expect(statement.Effect).toBe('Allow');
      for (const action of [statement.Action].flat()) expect(action).not.toContain('*');
      expect([statement.Resource].flat()).not.toContain('*');
    }
  });

  it.each([
    ['POST /v1/upload', 'BatchGetItem DeleteItem GetItem PutItem UpdateItem'],
    ['POST /v1/import', 'BatchGetItem DeleteItem GetItem PutItem UpdateItem'],
    ['POST /v1/uploads', 'BatchGetItem DeleteItem GetItem PutItem UpdateItem'],
    ['POST /v1/uploads/{upload_id}/complete', 'BatchGetItem DeleteItem GetItem PutItem UpdateItem'],
    ['GET /v1/media', 'BatchGetItem GetItem Query'],
    ['GET /v1/media/{id}', 'GetItem'],
    ['PATCH /v1/media/{id}', 'GetItem UpdateItem'],
    ['DELETE /v1/media/{id}', 'DeleteItem GetItem UpdateItem'],
    ['PATCH /v1/media/batch', 'BatchGetItem GetItem UpdateItem'],
    ['DELETE /v1/media/batch', 'BatchGetItem DeleteItem GetItem UpdateItem'],
    ['GET /v1/usage', 'GetItem'],
    ['GET /openapi.json', ''],
    ['viewer', 'GetItem Query UpdateItem'],
    ['cleanup', 'BatchGetItem DeleteItem GetItem PutItem Query UpdateItem'],
  ])('%s may perform on the table: %s', (name, expected) => {
    const [, fn] = declared().find(([each]) => each === name) ?? [];
    if (!fn) throw new Error(`${name} is not a function of the stack`);
    const tableActions = actionsOf(fn).filter((action) => action.startsWith('dynamodb:'));
    expect([...new Set(tableActions)].sort().join(' ')).toBe(
      expected
        .split(' ')
        .filter(Boolean)
        .map((action) => `dynamodb:${action}`)
        .join(' '),
    );
  });

  it('grants no function a Scan, a BatchWriteItem or a stream action (the table has no stream)', () => {
    for (const [name, fn] of declared()) {
      expect(
        actionsOf(fn).filter((action) =>
          /^dynamodb:(Scan|BatchWriteItem|GetRecords|GetShardIterator|DescribeStream|ListStreams)$/.test(
            action,
          ),
        ),
        name,
      ).toEqual([]);
    }
  });

  it('lets the routes that take an Idempotency-Key keep its record in the table', () => {
    // What Powertools' DynamoDB persistence does with a record: read, claim, complete, release.
    const recordActions = [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    ];
    for (const path of ['/v1/upload', '/v1/import', '/v1/uploads']) {
      const route = ROUTES.find((each) => each.method === 'POST' && each.path === path);
      if (!route) throw new Error(`POST ${path} is not in ROUTES`);
      const fn = stack.routeFunctions.get(route) as ServiceFunction;
      for (const action of recordActions)
        expect(resourcesOf(fn, action), `${path} ${action}`).toContainEqual(imported('TableArn'));
    }
  });

  it('lets the list function read, never write', () => {
    const list = ROUTES.find((route) => route.method === 'GET' && route.path === '/v1/media');
    if (!list) throw new Error('GET /v1/media is not in ROUTES');
    const actions = actionsOf(stack.routeFunctions.get(list) as ServiceFunction);
    expect(actions).toContain('dynamodb:Query');
    const dataActions = actions.filter((action) => /^(dynamodb|s3):/.test(action));
    expect(dataActions.filter((action) => /Put|Update|Delete|Write/.test(action))).toEqual([]);
  });

  it('never puts the upgrade-link key itself in a function configuration', () => {
    for (const [, fn] of declared()) expect(environmentOf(fn)).not.toHaveProperty('UPGRADE_LINK_SECRET');
  });

  it('gives every function that builds the services the names it needs, and the links the CDN domain', () => {
    for (const [, fn, access] of declared()) {
      const env = environmentOf(fn);
      if (Object.keys(access).length === 0) {
        expect(env).not.toHaveProperty('TABLE_NAME');
        continue;
      }
      expect(env.TABLE_NAME).toBeDefined();
      expect(env.BUCKET_NAME).toEqual(imported('BucketName'));
      expect(env.DELETED_RETENTION_DAYS).toBe('7');
      if (fn !== stack.viewerFunction) {
        expect(env.PUBLIC_BASE_URL).toEqual({
          'Fn::Join': [
            '',
            ['https://', { 'Fn::GetAtt': [logicalId(stack.viewer.distribution), 'DomainName'] }],
          ],
        });
      }
    }
  });
});

describe('viewer', () => {
  it('is told of a background-removal model in the originals bucket only when one is configured', () => {
    expect(environmentOf(stack.viewerFunction).SEGMENT_MODEL_S3_URI).toBeUndefined();
    const sha256 = 'ab'.repeat(32);
    const withModel = serviceApp({
      segmentModelKey: 'models/u2netp.onnx',
      segmentModelProfile: 'u2net',
      segmentModelSha256: sha256,
    });
    try {
      const viewer = withModel.stateless.viewerFunction;
      const env = Template.fromStack(withModel.stateless).toJSON().Resources[
        idIn(withModel.stateless, viewer)
      ].Properties.Environment.Variables;
      expect(env).toMatchObject({
        SEGMENT_MODEL_S3_URI: { 'Fn::Join': ['', ['s3://', imported('BucketName'), '/models/u2netp.onnx']] },
        SEGMENT_MODEL_PROFILE: 'u2net',
        SEGMENT_MODEL_SHA256: sha256,
      });
    } finally {
      withModel.dispose();
    }
  });

  it('serves the viewer entry through a streaming function URL that only accepts signed requests', () => {
    expect(stack.viewerFunction.entry).toBe(VIEWER_ENTRY);
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      InvokeMode: 'RESPONSE_STREAM',
      TargetFunctionArn: { 'Fn::GetAtt': [logicalId(stack.viewerFunction), 'Arn'] },
    });
  });

  it('lets only this distribution invoke the viewer, through Origin Access Control', () => {
    const distributionId = logicalId(stack.viewer.distribution);
    const targets = [logicalId(stack.viewerFunction), logicalId(stack.viewer.functionUrl)];
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter(
      (permission) =>
        targets.some((target) => JSON.stringify(permission.Properties.FunctionName).includes(`"${target}"`)),
    );
    expect(permissions.map((permission) => permission.Properties.Action).sort()).toEqual([
      'lambda:InvokeFunction',
      'lambda:InvokeFunctionUrl',
    ]);
    for (const permission of permissions) {
      expect(permission.Properties.Principal).toBe('cloudfront.amazonaws.com');
      expect(JSON.stringify(permission.Properties.SourceArn)).toContain(
        `":distribution/",{"Ref":"${distributionId}"}`,
      );
    }
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: {
        OriginAccessControlOriginType: 'lambda',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      },
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        // The function URL's origin (the dashboard's bucket is the other one: dashboard-site.test.ts).
        Origins: Match.arrayWith([
          Match.objectLike({ OriginAccessControlId: Match.anyValue(), CustomOriginConfig: Match.anyValue() }),
        ]),
      }),
    });
  });

  it('caches on the canonical query string and the accept class, computed at the edge', () => {
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          QueryStringsConfig: { QueryStringBehavior: 'all' },
          HeadersConfig: { HeaderBehavior: 'whitelist', Headers: [ACCEPT_CLASS_HEADER] },
          CookiesConfig: { CookieBehavior: 'none' },
        }),
      }),
    });
    template.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionConfig: Match.objectLike({ Runtime: 'cloudfront-js-2.0' }),
      FunctionCode: Match.stringLikeRegexp('function handler\\(event\\)'),
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          AllowedMethods: ['GET', 'HEAD'],
          FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: Match.anyValue() }],
        }),
      }),
    });
  });

  it('lets any site read images (CORS, resource timing) without overriding the origin’s headers', () => {
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        CorsConfig: Match.objectLike({
          AccessControlAllowOrigins: { Items: ['*'] },
          AccessControlAllowMethods: { Items: ['GET', 'HEAD'] },
          AccessControlAllowCredentials: false,
          OriginOverride: false,
        }),
        CustomHeadersConfig: { Items: [{ Header: 'Timing-Allow-Origin', Value: '*', Override: false }] },
        SecurityHeadersConfig: Match.objectLike({
          ContentTypeOptions: { Override: false },
          FrameOptions: { FrameOption: 'SAMEORIGIN', Override: false },
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 31_536_000 }),
        }),
      }),
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({
          ResponseHeadersPolicyId: Match.objectLike({ Ref: Match.anyValue() }),
        }),
      }),
    });
  });

  it('forwards to the origin only Accept and the viewer host beyond the cache key', () => {
    template.hasResourceProperties('AWS::CloudFront::OriginRequestPolicy', {
      OriginRequestPolicyConfig: Match.objectLike({
        HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['accept', 'x-forwarded-host'] },
        QueryStringsConfig: { QueryStringBehavior: 'none' },
        CookiesConfig: { CookieBehavior: 'none' },
      }),
    });
  });
});

describe('cleanup', () => {
  it('may list key names under the prefixes it sweeps, and nowhere else', () => {
    const listing = statementsOf(stack.cleanupFunction).filter((statement) =>
      [statement.Action].flat().includes('s3:ListBucket'),
    );
    expect(listing).toEqual([
      expect.objectContaining({
        Resource: imported('BucketArn'),
        Condition: { StringLike: { 's3:prefix': ['originals/*', 'incoming/*', 'variants/*'] } },
      }),
    ]);
  });

  it('runs the cleanup entry every five minutes', () => {
    expect(stack.cleanupFunction.entry).toBe(CLEANUP_ENTRY);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack.cleanupFunction), 'Arn'] } })],
    });
  });

  it('may invalidate this distribution and no other', () => {
    const distributionId = logicalId(stack.viewer.distribution);
    expect(resourcesOf(stack.cleanupFunction, 'cloudfront:CreateInvalidation')).toEqual([
      {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':cloudfront::',
            { Ref: 'AWS::AccountId' },
            ':distribution/',
            { Ref: distributionId },
          ],
        ],
      },
    ]);
    expect(environmentOf(stack.cleanupFunction).DISTRIBUTION_ID).toEqual({ Ref: distributionId });
    for (const [name, fn] of declared()) {
      if (fn !== stack.cleanupFunction)
        expect(actionsOf(fn), name).not.toContain('cloudfront:CreateInvalidation');
    }
  });
});

describe('operations', () => {
  const alarmsOn = (metricName: string, fn?: ServiceFunction) =>
    Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((alarm) => {
      const json = JSON.stringify(alarm.Properties);
      return json.includes(`"${metricName}"`) && (!fn || json.includes(`"Ref":"${logicalId(fn)}"`));
    });

  it('alarms on the API 5xx rate', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(requests >= 20, 100 * errors / requests, 0)' }),
        Match.objectLike({
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: '5xx' }) }),
        }),
      ]),
      Threshold: 5,
    });
  });

  it.each(declared().map(([name, fn]) => [name, fn] as const))(
    'alarms on errors and throttles of %s',
    (_name, fn) => {
      expect(alarmsOn('Errors', fn)).not.toHaveLength(0);
      if (fn !== stack.cleanupFunction) expect(alarmsOn('Throttles', fn)).toHaveLength(1);
    },
  );

  it('alarms when the cleanup job keeps failing or stops running', () => {
    const [failures] = alarmsOn('Errors', stack.cleanupFunction);
    expect(failures?.Properties).toMatchObject({ EvaluationPeriods: 2, DatapointsToAlarm: 2, Threshold: 1 });
    const [notRunning] = alarmsOn('Invocations', stack.cleanupFunction);
    expect(notRunning?.Properties).toMatchObject({
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('sends every alarm to the alarm topic', () => {
    const topicId = logicalId(stack.alarms.topic);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    }
  });

  it('outputs what an operator needs', () => {
    for (const name of [
      'ApiUrl',
      'ViewerBaseUrl',
      'TableName',
      'BucketName',
      'DistributionId',
      'AlarmTopicArn',
      'DashboardName',
    ]) {
      template.hasOutput(name, { Value: Match.anyValue() });
    }
  });
});

describe('variant budget', () => {
  it('reaches the viewer, and only the viewer, with the default the functions use', () => {
    expect(environmentOf(stack.viewerFunction).VIEWER_VARIANT_BUDGET).toBe('100');
    const { viewerVariantBudget } = parseConfig({ TABLE_NAME: 't', BUCKET_NAME: 'b' });
    expect(viewerVariantBudget).toBe(100);
    for (const [name, fn] of declared()) {
      if (fn !== stack.viewerFunction)
        expect(environmentOf(fn), name).not.toHaveProperty('VIEWER_VARIANT_BUDGET');
    }
  });

  it('takes the budget from context', () => {
    const custom = serviceApp({ viewerVariantBudget: '40' });
    try {
      const env = Template.fromStack(custom.stateless).toJSON().Resources[
        idIn(custom.stateless, custom.stateless.viewerFunction)
      ].Properties.Environment.Variables;
      expect(env.VIEWER_VARIANT_BUDGET).toBe('40');
    } finally {
      custom.dispose();
    }
    expect(() => serviceApp({ viewerVariantBudget: 0 })).toThrow(/viewerVariantBudget/);
  });

  it('lets the viewer write variant records and nothing else in the table', () => {
    const writes = statementsOf(stack.viewerFunction).filter((statement) =>
      [statement.Action].flat().some((action) => TABLE_WRITES.includes(action)),
    );
    expect(writes).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:UpdateItem',
        Resource: imported('TableArn'),
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['VARIANTS#*'] } },
      },
    ]);
    expect(keys.variantDay('m', '2026-12-02').pk).toMatch(/^VARIANTS#/);
  });
});

describe('variant store', () => {
  it('lets the viewer put objects under variants/ and nowhere else', () => {
    const puts = statementsOf(stack.viewerFunction).filter((statement) =>
      [statement.Action].flat().includes('s3:PutObject'),
    );
    expect(puts).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [imported('BucketArn'), '/variants/*']] },
      },
    ]);
  });

  it('lets no other function put stored variants', () => {
    for (const [name, fn] of declared()) {
      if (fn === stack.viewerFunction) continue;
      const resources = statementsOf(fn)
        .filter((statement) => [statement.Action].flat().includes('s3:PutObject'))
        .map((statement) => JSON.stringify(statement.Resource));
      expect(
        resources.filter((resource) => resource.includes('/variants/')),
        name,
      ).toEqual([]);
    }
  });
});

describe('custom domains', () => {
  let custom: Template;
  let customStack: StatelessStack;
  let disposeCustom: () => void;

  beforeAll(() => {
    const service = serviceApp({ ...CUSTOM_DOMAINS, alarmEmail: 'ops@example.com' });
    disposeCustom = service.dispose;
    customStack = service.stateless;
    custom = Template.fromStack(customStack);
  });

  afterAll(() => disposeCustom());

  it('serves the links on the viewer domain with a modern TLS policy, and links to it', () => {
    custom.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['i.example.com'],
        ViewerCertificate: Match.objectLike({
          AcmCertificateArn: Match.stringLikeRegexp(':us-east-1:'),
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        }),
      }),
    });
    const env =
      custom.toJSON().Resources[idIn(customStack, customStack.viewerFunction)].Properties.Environment
        .Variables;
    expect(env.PUBLIC_BASE_URL).toBe('https://i.example.com');
    custom.hasOutput('ViewerBaseUrl', { Value: 'https://i.example.com' });
  });

  it('serves the API on its domain through the API distribution, with a modern TLS policy', () => {
    custom.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['api.example.com'],
        ViewerCertificate: Match.objectLike({
          AcmCertificateArn: Match.stringLikeRegexp(':us-east-1:'),
          MinimumProtocolVersion: 'TLSv1.2_2021',
        }),
      }),
    });
    custom.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    custom.hasOutput('ApiUrl', { Value: 'https://api.example.com' });
    custom.hasOutput('ApiDnsTarget', {
      Value: { 'Fn::GetAtt': [idIn(customStack, customStack.apiCdn.distribution), 'DomainName'] },
    });
  });

  it('mails the alarms', () => {
    custom.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });
});

describe('operating it safely', () => {
  let options: Template;
  let optionsStack: StatelessStack;
  let disposeOptions: () => void;

  beforeAll(() => {
    const service = serviceApp(OPERATING_OPTIONS);
    disposeOptions = service.dispose;
    optionsStack = service.stateless;
    options = Template.fromStack(optionsStack);
  });

  afterAll(() => disposeOptions());

  const functionProperties = (owner: StatelessStack, source: Template, fn: ServiceFunction) =>
    source.toJSON().Resources[idIn(owner, fn)].Properties;
  const distributionConfig = (owner: StatelessStack, source: Template, construct: IConstruct) =>
    source.toJSON().Resources[idIn(owner, construct)].Properties.DistributionConfig;
  const alarmNamed = (source: Template, owner: StatelessStack, id: string) =>
    source.toJSON().Resources[idIn(owner, owner.alarms.node.findChild(id))];

  it('reserves no concurrency by default, so a fresh account (limit 10) can deploy', () => {
    for (const [name, fn] of declared())
      expect(functionProperties(stack, template, fn).ReservedConcurrentExecutions, name).toBeUndefined();
  });

  it('reserves the configured concurrency for the viewer only, and alarms at 80% of it', () => {
    expect(
      functionProperties(optionsStack, options, optionsStack.viewerFunction).ReservedConcurrentExecutions,
    ).toBe(100);
    for (const fn of optionsStack.routeFunctions.values())
      expect(functionProperties(optionsStack, options, fn).ReservedConcurrentExecutions).toBeUndefined();
    expect(alarmNamed(options, optionsStack, 'ViewerFunctionConcurrency').Properties).toMatchObject({
      MetricName: 'ConcurrentExecutions',
      Statistic: 'Maximum',
      Threshold: 80,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: idIn(optionsStack, optionsStack.viewerFunction) } }],
    });
    expect(stack.alarms.node.tryFindChild('ViewerFunctionConcurrency')).toBeUndefined();
  });

  it('attaches the web ACL to both distributions when one is given, and none by default', () => {
    for (const distribution of [optionsStack.viewer.distribution, optionsStack.apiCdn.distribution])
      expect(distributionConfig(optionsStack, options, distribution).WebACLId).toBe(
        OPERATING_OPTIONS.webAclArn,
      );
    for (const distribution of [stack.viewer.distribution, stack.apiCdn.distribution])
      expect(distributionConfig(stack, template, distribution).WebACLId).toBeUndefined();
  });

  it('puts Origin Shield before the viewer origin in the configured region, and none by default', () => {
    const [origin] = distributionConfig(optionsStack, options, optionsStack.viewer.distribution).Origins;
    expect(origin.OriginShield).toEqual({ Enabled: true, OriginShieldRegion: 'eu-west-1' });
    const [plain] = distributionConfig(stack, template, stack.viewer.distribution).Origins;
    expect(plain.OriginShield?.Enabled ?? false).toBe(false);
  });

  it('delivers both distributions’ standard logs to CloudWatch Logs when asked, and not by default', () => {
    template.resourceCountIs('AWS::Logs::DeliverySource', 0);
    const sources = Object.values(options.findResources('AWS::Logs::DeliverySource'));
    expect(sources.map((source) => source.Properties.LogType)).toEqual(['ACCESS_LOGS', 'ACCESS_LOGS']);
    const arns = JSON.stringify(sources.map((source) => source.Properties.ResourceArn));
    for (const distribution of [optionsStack.viewer.distribution, optionsStack.apiCdn.distribution])
      expect(arns).toContain(`{"Ref":"${idIn(optionsStack, distribution)}"}`);
    const destinations = Object.values(options.findResources('AWS::Logs::DeliveryDestination'));
    expect(destinations).toHaveLength(2);
    for (const destination of destinations) {
      const [logGroupId, attribute] = destination.Properties.DestinationResourceArn['Fn::GetAtt'];
      expect(attribute).toBe('Arn');
      expect(options.toJSON().Resources[logGroupId].Type).toBe('AWS::Logs::LogGroup');
    }
    options.resourceCountIs('AWS::Logs::Delivery', 2);
  });

  it('alarms when a function’s p99 duration nears its timeout', () => {
    const timeouts: Array<[string, ServiceFunction, number]> = [
      ...ROUTES.map((route): [string, ServiceFunction, number] => [
        `${route.entry.replace(/(^|-)([a-z])/g, (_m, _s, letter: string) => letter.toUpperCase())}Function`,
        stack.routeFunctions.get(route) as ServiceFunction,
        29_000,
      ]),
      ['ViewerFunction', stack.viewerFunction, 60_000],
      ['CleanupFunction', stack.cleanupFunction, 240_000],
    ];
    for (const [name, fn, timeoutMs] of timeouts) {
      expect(alarmNamed(template, stack, `${name}NearTimeout`)?.Properties, name).toMatchObject({
        MetricName: 'Duration',
        ExtendedStatistic: 'p99',
        Threshold: timeoutMs * 0.8,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(fn) } }],
      });
    }
  });

  it('alarms on the account’s Lambda concurrency against its quota', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 80,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: '100 * usage / SERVICE_QUOTA(usage)' }),
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              Namespace: 'AWS/Usage',
              MetricName: 'ResourceCount',
              Dimensions: Match.arrayWith([{ Name: 'Resource', Value: 'ConcurrentExecutions' }]),
            }),
          }),
        }),
      ]),
    });
  });

  it('alarms on DynamoDB throttles of the table and each index', () => {
    const alarm = alarmNamed(template, stack, 'TableThrottles');
    const json = JSON.stringify(alarm.Properties.Metrics);
    expect(json).toContain('"ReadThrottleEvents"');
    expect(json).toContain('"WriteThrottleEvents"');
    for (const index of ['gsi1', 'gsi2']) expect(json).toContain(`"Value":"${index}"`);
    expect(alarm.Properties.Threshold).toBe(1);
  });

  it('alarms on the 5xx rate of each distribution, from CloudFront’s metrics', () => {
    for (const [name, distribution] of [
      ['ViewerCdn', stack.viewer.distribution],
      ['ApiCdn', stack.apiCdn.distribution],
    ] as const) {
      const alarm = alarmNamed(template, stack, `${name}ServerErrorRate`);
      expect(alarm.Properties.Threshold).toBe(5);
      const json = JSON.stringify(alarm.Properties.Metrics);
      expect(json).toContain('"5xxErrorRate"');
      expect(json).toContain(`{"Name":"DistributionId","Value":{"Ref":"${logicalId(distribution)}"}}`);
      expect(json).toContain('{"Name":"Region","Value":"Global"}');
    }
  });

  it('leaves the CloudFront alarms (and logs) to us-east-1, where CloudFront’s metrics are', () => {
    const saved = { region: process.env.CDK_DEFAULT_REGION, account: process.env.CDK_DEFAULT_ACCOUNT };
    process.env.CDK_DEFAULT_REGION = 'eu-west-1';
    process.env.CDK_DEFAULT_ACCOUNT = '123456789012';
    try {
      const elsewhere = serviceApp();
      try {
        expect(elsewhere.stateless.alarms.node.tryFindChild('ViewerCdnServerErrorRate')).toBeUndefined();
        expect(elsewhere.stateless.alarms.node.tryFindChild('TableThrottles')).toBeDefined();
      } finally {
        elsewhere.dispose();
      }
      expect(() => serviceApp({ cloudFrontLogs: 'true' })).toThrow(/cloudFrontLogs: .*us-east-1/);
    } finally {
      process.env.CDK_DEFAULT_REGION = saved.region;
      process.env.CDK_DEFAULT_ACCOUNT = saved.account;
      if (saved.region === undefined) delete process.env.CDK_DEFAULT_REGION;
      if (saved.account === undefined) delete process.env.CDK_DEFAULT_ACCOUNT;
    }
  });

  describe('dashboard', () => {
    const body = () => {
      const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
      return JSON.stringify(dashboard?.Properties.DashboardBody);
    };

    it('is one dashboard', () => {
      template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    });

    it('shows requests, errors and p95 duration of every function', () => {
      const json = body();
      for (const title of ['Requests per function', 'Errors per function', 'p95 duration per function'])
        expect(json).toContain(title);
      expect(json).toContain('\\"stat\\":\\"p95\\"');
      for (const [, fn] of declared()) {
        const ref = `{"Ref":"${logicalId(fn)}"}`;
        expect(json.split(ref).length - 1, logicalId(fn)).toBeGreaterThanOrEqual(3);
      }
    });

    it('shows the viewer CDN’s hit ratio and both distributions’ 5xx rates', () => {
      const json = body();
      expect(json).toContain('IF(requests > 0, 100 * (1 - misses / requests), 0)');
      expect(json).toContain('5xxErrorRate');
      expect(json).toContain('\\"region\\":\\"us-east-1\\"');
    });

    it('shows uploads and imports per hour, counted from the API access log', () => {
      const json = body();
      for (const name of ['uploads', 'direct_uploads', 'imports']) expect(json).toContain(`\\"${name}\\"`);
      expect(json).toContain('\\"period\\":3600');
      const filters = Object.values(template.findResources('AWS::Logs::MetricFilter'));
      expect(filters.map((filter) => filter.Properties.FilterPattern).sort()).toEqual([
        '{ ($.route = "POST /v1/import") && ($.status = "201") }',
        '{ ($.route = "POST /v1/upload") && ($.status = "201") }',
        '{ ($.route = "POST /v1/uploads/{upload_id}/complete") && ($.status = "201") }',
      ]);
      for (const filter of filters) {
        expect(filter.Properties.LogGroupName).toEqual({ Ref: logicalId(stack.api.accessLogs) });
        expect(filter.Properties.MetricTransformations[0].MetricNamespace).toBe('imgpro');
      }
    });

    it('shows render rejections, variant-budget refusals, the cleanup job and DynamoDB throttles', () => {
      const json = body();
      for (const name of [
        'render_rejected',
        'variant_budget_refused',
        'cleanup_expired',
        'cleanup_purged',
        'cleanup_failed',
        'ReadThrottleEvents',
        'ConcurrentExecutions',
      ])
        expect(json, name).toContain(`\\"${name}\\"`);
      expect(json).toContain('\\"service\\",\\"viewer\\"');
      expect(json).toContain('\\"service\\",\\"cleanup\\"');
    });
  });
});
