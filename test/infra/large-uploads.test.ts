import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { LARGE_UPLOAD_ORIGIN_ID, ORIGIN_SECRET_HEADER } from '../../lambdas/core/http/edge-contract.ts';
import { ROUTES } from '../../lambdas/http/routes.ts';
import { LARGE_UPLOADS_PATH } from '../../lib/constructs/api-cdn.ts';
import { FETCH_IMAGE, NODE_IMAGE } from '../../lib/constructs/large-uploads.ts';
import { CLOUDFRONT_MODULE_IMPORT } from '../../lib/edge/build.ts';
import { serviceApp } from './app.ts';

/**
 * The full-size upload path (docs/decisions/0001-full-size-uploads.md) in the template: there only
 * with `fullSizeUploads`, reachable only through the API's distribution, granted only what the upload
 * function is — its objects under `originals/` alone — and deployable without Docker.
 */
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const off = serviceApp();
const on = serviceApp({ fullSizeUploads: 'true' });
afterAll(() => {
  off.dispose();
  on.dispose();
});
const offTemplate = Template.fromStack(off.stateless);
const onTemplate = Template.fromStack(on.stateless);

const apiDistribution = (template: Template) =>
  Object.values(
    template.findResources('AWS::CloudFront::Distribution', {
      Properties: { DistributionConfig: { Comment: 'imgpro API' } },
    }),
  )[0]?.Properties.DistributionConfig;
const apiFunctionCode = (template: Template): string =>
  Object.values(
    template.findResources('AWS::CloudFront::Function', {
      Properties: { FunctionConfig: { Comment: Match.stringLikeRegexp('^imgpro API') } },
    }),
  )[0]?.Properties.FunctionCode;

/** The statements of the policies attached to a role, by the role's logical id. */
const statementsOfRole = (template: Template, roleId: string): Statement[] =>
  Object.values(
    template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
  ).flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
const pairs = (statements: Statement[]) =>
  statements
    .flatMap((statement) =>
      [statement.Action]
        .flat()
        .flatMap((action) =>
          [statement.Resource].flat().map((resource) => `${action} ${JSON.stringify(resource)}`),
        ),
    )
    .sort();

describe('without fullSizeUploads (the default)', () => {
  it('has no container, VPC or load balancer, and one origin: today’s 413 at the edge', () => {
    for (const type of [
      'AWS::ECS::Service',
      'AWS::ECS::TaskDefinition',
      'AWS::EC2::VPC',
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
      'AWS::CloudFront::VpcOrigin',
    ])
      offTemplate.resourceCountIs(type, 0);
    expect(apiDistribution(offTemplate).Origins).toHaveLength(1);
    // The docs page's script is the only other behavior.
    expect(
      (apiDistribution(offTemplate).CacheBehaviors as { TargetOriginId: string }[]).map(
        (b) => b.TargetOriginId,
      ),
    ).not.toContain(LARGE_UPLOAD_ORIGIN_ID);
    expect(apiFunctionCode(offTemplate)).not.toContain('cloudfront');
    expect(off.stateless.largeUploads).toBeUndefined();
  });
});

describe('with fullSizeUploads', () => {
  const largeUploads = on.stateless.largeUploads;
  const idOf = (construct: unknown) =>
    on.stateless.getLogicalId((construct as { node: { defaultChild: CfnElement } }).node.defaultChild);

  it('runs one always-up arm64 Fargate task from public images, no Docker image asset', () => {
    onTemplate.resourceCountIs('AWS::ECS::Service', 1);
    onTemplate.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 1,
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'ENABLED' } },
    });
    onTemplate.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '1024',
      Memory: '2048',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({ Name: 'FetchCode', Image: FETCH_IMAGE, Essential: false }),
        Match.objectLike({
          Name: 'Server',
          Image: NODE_IMAGE,
          DependsOn: [{ ContainerName: 'FetchCode', Condition: 'SUCCESS' }],
        }),
      ],
    });
    const manifest = on.app.synth().getStackArtifact(on.stateless.artifactId).assets;
    expect(manifest.filter((asset) => asset.packaging === 'container-image')).toEqual([]);
  });

  it('puts an internal load balancer in the API distribution as a VPC origin, with the origin secret', () => {
    onTemplate.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
    onTemplate.resourceCountIs('AWS::CloudFront::VpcOrigin', 1);
    const config = apiDistribution(onTemplate);
    const origin = config.Origins.find((each: { Id: string }) => each.Id === LARGE_UPLOAD_ORIGIN_ID);
    expect(origin).toMatchObject({ VpcOriginConfig: { OriginReadTimeout: 60 } });
    expect(origin.OriginCustomHeaders).toEqual([
      { HeaderName: ORIGIN_SECRET_HEADER, HeaderValue: expect.anything() },
    ]);
    // The behavior that holds the origin runs the same function, so its path is no way around it.
    expect(
      config.CacheBehaviors.filter(
        (behavior: { TargetOriginId: string }) => behavior.TargetOriginId === LARGE_UPLOAD_ORIGIN_ID,
      ),
    ).toEqual([
      expect.objectContaining({
        PathPattern: LARGE_UPLOADS_PATH,
        FunctionAssociations: config.DefaultCacheBehavior.FunctionAssociations,
      }),
    ]);
    // The function that chooses it.
    expect(apiFunctionCode(onTemplate).startsWith(CLOUDFRONT_MODULE_IMPORT)).toBe(true);
    expect(apiFunctionCode(onTemplate)).toContain(LARGE_UPLOAD_ORIGIN_ID);
  });

  it('lets nothing reach the tasks but the load balancer', () => {
    const tasksGroup = idOf(largeUploads?.service.connections.securityGroups[0]);
    const ingress = Object.values(
      onTemplate.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
    ).filter(
      (resource) =>
        resource.Type === 'AWS::EC2::SecurityGroupIngress' &&
        JSON.stringify(resource.Properties.GroupId).includes(tasksGroup),
    );
    expect(ingress).toHaveLength(1);
    expect(JSON.stringify(ingress[0]?.Properties.SourceSecurityGroupId)).toContain('Balancer');
    // The balancer, from inside its VPC only (CloudFront's VPC origin): no address outside it.
    onTemplate.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Balancer'),
      SecurityGroupIngress: [
        Match.objectLike({ CidrIp: '10.40.0.0/16', FromPort: 80, ToPort: 80, IpProtocol: 'tcp' }),
      ],
    });
    onTemplate.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.40.0.0/16' });
  });

  it('grants the task what the upload function has, its objects under originals/ only, and its code', () => {
    const upload = ROUTES.find((route) => route.path === '/v1/upload' && route.method === 'POST');
    const uploadFunction = on.stateless.routeFunctions.get(upload as (typeof ROUTES)[number]);
    const fromFunction = pairs(statementsOfRole(onTemplate, idOf(uploadFunction?.role)))
      // Its own logs; the task's go through the execution role.
      .filter((pair) => !pair.startsWith('logs:'))
      .map((pair) =>
        pair.replace(
          JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::ImportValue': 'ImgproStateful:BucketArn' }, '/*']] }),
          JSON.stringify({
            'Fn::Join': ['', [{ 'Fn::ImportValue': 'ImgproStateful:BucketArn' }, '/originals/*']],
          }),
        ),
      );
    const taskRole = idOf(largeUploads?.taskDefinition.taskRole);
    const task = pairs(statementsOfRole(onTemplate, taskRole));
    const codeReads = task.filter(
      (pair) => pair.includes('cdk-') || pair.includes('AssetBucket') || /"Fn::Sub".*cdk/.test(pair),
    );
    expect(task.filter((pair) => !codeReads.includes(pair))).toEqual(fromFunction);
    expect(
      task.filter((pair) => pair.startsWith('s3:PutObject') || pair.startsWith('s3:DeleteObject')),
    ).toEqual([
      `s3:DeleteObject ${JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::ImportValue': 'ImgproStateful:BucketArn' }, '/originals/*']] })}`,
      `s3:PutObject ${JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::ImportValue': 'ImgproStateful:BucketArn' }, '/originals/*']] })}`,
    ]);
    // The code is read, never written: its own object only.
    expect(codeReads).toHaveLength(1);
    expect(codeReads.every((pair) => /^s3:(GetObject|GetBucket|List)/.test(pair))).toBe(true);
  });

  it('tells the server the names the upload function is told', () => {
    const upload = ROUTES.find((route) => route.path === '/v1/upload' && route.method === 'POST');
    const uploadFunction = on.stateless.routeFunctions.get(upload as (typeof ROUTES)[number]);
    const functionEnv = onTemplate.toJSON().Resources[idOf(uploadFunction)].Properties.Environment.Variables;
    const taskDefinition = Object.values(onTemplate.findResources('AWS::ECS::TaskDefinition'))[0];
    const server = taskDefinition?.Properties.ContainerDefinitions.find(
      (each: { Name: string }) => each.Name === 'Server',
    );
    const serverEnv = Object.fromEntries(
      (server.Environment as { Name: string; Value: unknown }[]).map((each) => [each.Name, each.Value]),
    );
    const { NODE_OPTIONS: _node, AWS_NODEJS_CONNECTION_REUSE_ENABLED: _reuse, ...names } = functionEnv;
    expect(serverEnv).toMatchObject(names);
  });
});
