import { type CfnElement, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { ServiceFunction } from './constructs/service-function.ts';
import type { Settings } from './settings.ts';
import type { StatefulStack } from './stateful-stack.ts';
import { CLEANUP_ACCESS, type StatelessStack, VIEWER_ACCESS } from './stateless-stack.ts';

/**
 * Every cdk-nag (AWS Solutions) finding this app accepts, with the reason, in one place. Anything not
 * listed here fails `cdk synth` and the infra tests. An acknowledgement covers the construct it names
 * and everything below it, so each one names the narrowest construct that carries the finding.
 */
interface Acknowledgement {
  /** Rule id, with the finding in brackets where a rule reports several (IAM5). */
  readonly id: string;
  readonly reason: string;
  /** The constructs it covers, which may depend on the configuration. */
  readonly where: (
    stacks: { stateful: StatefulStack; stateless: StatelessStack },
    settings: Settings,
  ) => IConstruct[];
}

const functions = (stack: StatelessStack): ServiceFunction[] =>
  stack.node
    .findAll()
    .filter((construct): construct is ServiceFunction => construct instanceof ServiceFunction);
const functionRoles = (stack: StatelessStack): IConstruct[] =>
  functions(stack).map((fn) => fn.role as IConstruct);

/** The roles of the functions that query the table (and so its indexes). */
const queryingRoles = (stack: StatelessStack): IConstruct[] =>
  [
    ...[...stack.routeFunctions]
      .filter(([route]) => route.access.table?.includes('Query'))
      .map(([, fn]) => fn),
    ...(CLEANUP_ACCESS.table?.includes('Query') ? [stack.cleanupFunction] : []),
    ...(VIEWER_ACCESS.table?.includes('Query') ? [stack.viewerFunction] : []),
  ].map((fn) => fn.role as IConstruct);

/** The singleton function behind CDK's BucketDeployment (the dashboard's files). */
const bucketDeploymentProviders = (stack: StatelessStack): IConstruct[] =>
  stack.node.children.filter((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));

/** What cdk-nag reports on that provider; the bucket-specific grant is matched by its rule only. */
const dashboardDeploymentFindings = [
  'AwsSolutions-L1',
  'Serverless::Serverless-LambdaDLQ',
  'Serverless::Serverless-LambdaLatestVersion',
  'Serverless::Serverless-LambdaTracing',
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  'AwsSolutions-IAM5[Action::s3:GetBucket*]',
  'AwsSolutions-IAM5[Action::s3:GetObject*]',
  'AwsSolutions-IAM5[Action::s3:List*]',
  'AwsSolutions-IAM5[Action::s3:Abort*]',
  'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
  'AwsSolutions-IAM5[Resource::*]',
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
];

const acknowledgements = (stateful: StatefulStack, stateless: StatelessStack): Acknowledgement[] => [
  {
    id: 'AwsSolutions-S1',
    reason:
      'Server access logs would need a second retained bucket. Objects are only ever reached through the ' +
      'functions (the bucket is private, uploads are presigned by the API), and each function logs every ' +
      'request with its id; CloudTrail S3 data events can be enabled where an object-level audit is required.',
    where: ({ stateful }) => [stateful.originals],
  },
  {
    id: 'AwsSolutions-SMG4',
    reason:
      'The upgrade-link key is shared with the operator’s billing page, which verifies links with it. ' +
      'Automatic rotation would invalidate every link already sent and leave the billing page on the old ' +
      'key; rotate it deliberately (new value here, then the billing page).',
    where: ({ stateful }) => [stateful.upgradeLinkSecret],
  },
  {
    id: `AwsSolutions-IAM5[Resource::${stateful.exports.tableArn}/index/*]`,
    reason:
      'dynamodb:Query only, on the service table’s own global secondary indexes (a team’s media newest ' +
      'first; media due for cleanup), for the functions that declare Query; every other table action ' +
      'is granted on the table alone.',
    where: ({ stateless }) => queryingRoles(stateless),
  },
  {
    id: `AwsSolutions-IAM5[Resource::${stateful.exports.bucketArn}/*]`,
    reason:
      'Originals are keyed by media id, which is not known in advance, and the bucket holds nothing else. ' +
      'The actions are exact per declared operation: s3:GetObject, s3:PutObject, s3:DeleteObject (never ' +
      'DeleteObjectVersion, so deletions stay recoverable).',
    where: ({ stateless }) => functionRoles(stateless),
  },
  {
    id: `AwsSolutions-IAM5[Resource::${stateful.exports.bucketArn}/variants/*]`,
    reason:
      'Stored variants are keyed by media id and a hash of the pipeline and query, not known in advance. ' +
      's3:PutObject only, for the viewer only, under the variants/ prefix, so it can never overwrite an original.',
    where: ({ stateless }) => [stateless.viewerFunction.role as IConstruct],
  },
  {
    id: 'AwsSolutions-APIG4',
    reason:
      'The img.pro contract authenticates inside the functions: API keys (Bearer imgpro_…) are looked up ' +
      'by hash with their read/write abilities, anonymous uploads are part of the contract (rate-limited ' +
      'per address), and /openapi.json is public. A gateway authorizer would add a second lookup per request.',
    where: ({ stateless }) => [stateless.api.api],
  },
  {
    id: 'AwsSolutions-SMG4',
    reason:
      'The origin secret only proves that an API request came through the API distribution, which adds it. ' +
      'CloudFormation resolves it into the distribution when the distribution is updated, so an in-place ' +
      'rotation would leave CloudFront on the old value and the functions on the new one (403 for every ' +
      'request); it is replaced by a deployment that replaces the secret. Principals allowed ' +
      'cloudfront:GetDistributionConfig can read it; with it they could only claim another address for ' +
      'anonymous rate limits, never act as a key.',
    where: ({ stateless }) => [stateless.apiCdn.originSecret],
  },
  {
    id: 'AwsSolutions-CFR1',
    reason:
      'Viewer links are public and meant to be opened anywhere, and the API serves clients anywhere; there ' +
      'is no regional restriction to enforce.',
    where: ({ stateless }) => [stateless.viewer.distribution, stateless.apiCdn.distribution],
  },
  {
    id: 'AwsSolutions-CFR2',
    reason:
      'A web ACL costs a monthly fee per deployment. The origin is reachable only through CloudFront ' +
      '(OAC), every query parameter is allowlisted at the edge and repeats are served from cache; attach ' +
      'AWS WAF (setting webAclArn) where abuse warrants it. The viewer function’s reserved concurrency ' +
      '(viewerReservedConcurrency) and the per-media variant budget bound what unique variants, which ' +
      'bypass the cache, can cost.',
    where: ({ stateless }, settings) => (settings.webAclArn ? [] : [stateless.viewer.distribution]),
  },
  {
    id: 'AwsSolutions-CFR2',
    reason:
      'A web ACL costs a monthly fee per deployment. The API stage is throttled (apiRateLimit, ' +
      'apiBurstLimit), every key has quotas and every anonymous address its hourly and daily windows, and ' +
      'oversized bodies are refused at the edge; attach AWS WAF (setting webAclArn) where abuse warrants it.',
    where: ({ stateless }, settings) => (settings.webAclArn ? [] : [stateless.apiCdn.distribution]),
  },
  {
    id: 'AwsSolutions-CFR3',
    reason:
      'The rule looks for legacy standard logs, which need an extra retained bucket with ACLs enabled. ' +
      'Standard logs v2 into CloudWatch Logs are one setting away (cloudFrontLogs, which cdk-nag does not ' +
      'recognise). Without them: every cache miss reaches the viewer ' +
      'function, which logs it; CloudFront’s own metrics cover hits. Every API request that passes the edge ' +
      'reaches API Gateway, whose access log records it (with CloudFront’s address; the functions count ' +
      'anonymous clients by the address the edge passes on); the 413s answered at the edge show in ' +
      'CloudFront’s 4xx metrics.',
    where: ({ stateless }) => [stateless.viewer.distribution, stateless.apiCdn.distribution],
  },
  {
    id: 'AwsSolutions-S1',
    reason:
      'The dashboard bucket holds the built page only, rebuilt on every deploy and read by the viewer ' +
      'distribution alone (OAC); its requests are in the CloudFront logs (cloudFrontLogs).',
    where: ({ stateless }) => [stateless.dashboardSite.bucket],
  },
  ...[
    ...dashboardDeploymentFindings,
    `AwsSolutions-IAM5[Resource::<${stateless.getLogicalId(stateless.dashboardSite.bucket.node.defaultChild as CfnElement)}.Arn>/*]`,
    // The same asset bucket when the stack's region is given (the partition then resolves too).
    ...(Token.isUnresolved(stateless.region)
      ? []
      : [
          `AwsSolutions-IAM5[Resource::arn:${stateless.partition}:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-${stateless.region}/*]`,
        ]),
  ].map(
    (id): Acknowledgement => ({
      id,
      reason:
        'The CDK BucketDeployment provider (a CDK-owned singleton function that copies the dashboard’s ' +
        'asset into its bucket and invalidates /dashboard at deploy time): its runtime, managed logging ' +
        'policy and asset-wide S3 and CloudFront grants are set by aws-cdk-lib, and it runs only during deploys.',
      where: ({ stateless }) => bucketDeploymentProviders(stateless),
    }),
  ),
  {
    id: 'Serverless::Serverless-LambdaDLQ',
    reason:
      'A dead-letter target only receives failed asynchronous invocations. The API functions are invoked ' +
      'synchronously by API Gateway and the viewer by its function URL: the caller gets the error. The ' +
      'cleanup job, invoked by its schedule, is deliberately not retried: its event carries nothing, the ' +
      'next run five minutes later takes up what is left, and its failures raise the CleanupFailures alarm.',
    where: ({ stateless }) => functions(stateless),
  },
  {
    id: 'Serverless::Serverless-EventBusDLQ',
    reason:
      'The cleanup schedule’s events carry no data worth keeping: an undelivered one is superseded by the ' +
      'next, five minutes later, and a schedule that stops reaching the function raises CleanupNotRunning.',
    where: ({ stateless }) => [stateless.node.findChild('CleanupSchedule')],
  },
  {
    id: 'Serverless::Serverless-LambdaTracing',
    reason:
      'X-Ray is off on purpose: nothing is instrumented (Powertools Tracer is not a dependency), and active ' +
      'tracing alone records one opaque segment per invocation, at a price, that says nothing the ' +
      'dashboard, the p95/p99 duration alarms and the JSON logs with request ids do not. Add ' +
      '@aws-lambda-powertools/tracer to trace the SDK clients, then turn tracing on.',
    where: ({ stateless }) => functions(stateless),
  },
  {
    id: 'Serverless::Serverless-SNSRedrivePolicy',
    reason:
      'The alarm topic’s only subscription is the operator’s mail (alarmEmail). A notification that could ' +
      'not be mailed would sit in a dead-letter queue nobody reads; the alarm itself stays in ALARM on the ' +
      'console and the dashboard’s alarm widget until it clears.',
    where: ({ stateless }, settings) => (settings.alarmEmail ? [stateless.alarms.topic] : []),
  },
  ...largeUploadAcknowledgements(stateful),
  {
    id: 'AwsSolutions-CFR4',
    reason:
      'On the default *.cloudfront.net certificate CloudFront fixes the security policy and it cannot be ' +
      'raised. With a custom domain (context viewerDomain, apiDomain) the distribution requires ' +
      'TLSv1.2_2021 and this finding does not arise.',
    where: ({ stateless }, settings) => [
      ...(settings.viewerDomain ? [] : [stateless.viewer.distribution]),
      ...(settings.apiDomain ? [] : [stateless.apiCdn.distribution]),
    ],
  },
];

/** The full-size upload service's findings (decision 0001), when the setting creates it. */
const largeUploadAcknowledgements = (stateful: StatefulStack): Acknowledgement[] => {
  const part =
    (pick: (large: NonNullable<StatelessStack['largeUploads']>) => IConstruct) =>
    ({ stateless }: { stateless: StatelessStack }) =>
      stateless.largeUploads ? [pick(stateless.largeUploads)] : [];
  return [
    {
      id: 'AwsSolutions-VPC7',
      reason:
        'The VPC holds only the full-size upload tasks, their load balancer and CloudFront’s VPC origin: ' +
        'every request in it is an API upload, logged by the server with its request id (and by CloudFront ' +
        'with cloudFrontLogs). Flow logs would bill for the same bytes twice.',
      where: part((large) => large.vpc),
    },
    {
      id: 'AwsSolutions-ECS4',
      reason:
        'One service of one task: the load balancer’s and ECS’s own metrics (CPU, memory, healthy hosts) ' +
        'cover it; Container Insights bills per metric for nothing more.',
      where: part((large) => large.cluster),
    },
    {
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment carries names only (table, bucket, secret ARNs, URLs), as the functions’ does; ' +
        'secret values are read at run time from Secrets Manager.',
      where: part((large) => large.taskDefinition),
    },
    {
      id: 'AwsSolutions-ELB2',
      reason:
        'The balancer is internal and reached only by CloudFront for one route; the server logs every upload ' +
        'with its request id, and CloudFront logs the requests with cloudFrontLogs. Access logs would need a ' +
        'second retained bucket.',
      where: part((large) => large.balancer),
    },
    {
      id: `AwsSolutions-IAM5[Resource::${stateful.exports.bucketArn}/originals/*]`,
      reason:
        'Originals are keyed by media id, not known in advance: s3:PutObject and s3:DeleteObject (never ' +
        'DeleteObjectVersion) under originals/ only, exactly the upload function’s operations.',
      where: part((large) => large.taskDefinition.taskRole),
    },
  ];
};

export const acknowledgeFindings = (
  stacks: { stateful: StatefulStack; stateless: StatelessStack },
  settings: Settings,
): void => {
  for (const acknowledgement of acknowledgements(stacks.stateful, stacks.stateless)) {
    for (const construct of acknowledgement.where(stacks, settings)) {
      Validations.of(construct).acknowledge({ id: acknowledgement.id, reason: acknowledgement.reason });
    }
  }
};
