import { Validations } from 'aws-cdk-lib';
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

const functionRoles = (stack: StatelessStack): IConstruct[] =>
  stack.node
    .findAll()
    .filter((construct): construct is ServiceFunction => construct instanceof ServiceFunction)
    .map((fn) => fn.role as IConstruct);

/** The roles of the functions that query the table (and so its indexes). */
const queryingRoles = (stack: StatelessStack): IConstruct[] =>
  [
    ...[...stack.routeFunctions]
      .filter(([route]) => route.access.table?.includes('Query'))
      .map(([, fn]) => fn),
    ...(CLEANUP_ACCESS.table?.includes('Query') ? [stack.cleanupFunction] : []),
    ...(VIEWER_ACCESS.table?.includes('Query') ? [stack.viewerFunction] : []),
  ].map((fn) => fn.role as IConstruct);

const acknowledgements = (stateful: StatefulStack): Acknowledgement[] => [
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
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Only X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords), whose actions support no ' +
      'resource-level permissions; the infra tests check that no other action is granted on "*".',
    where: ({ stateless }) => functionRoles(stateless),
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
      'AWS WAF to the distribution where abuse warrants it.',
    where: ({ stateless }) => [stateless.viewer.distribution],
  },
  {
    id: 'AwsSolutions-CFR2',
    reason:
      'A web ACL costs a monthly fee per deployment. The API stage is throttled (apiRateLimit, ' +
      'apiBurstLimit), every key has quotas and every anonymous address its hourly and daily windows, and ' +
      'oversized bodies are refused at the edge; attach AWS WAF to the distribution where abuse warrants it.',
    where: ({ stateless }) => [stateless.apiCdn.distribution],
  },
  {
    id: 'AwsSolutions-CFR3',
    reason:
      'Standard logs need an extra retained bucket with ACLs enabled. Every cache miss reaches the viewer ' +
      'function, which logs it; CloudFront’s own metrics cover hits. Every API request that passes the edge ' +
      'reaches API Gateway, whose access log records it (with CloudFront’s address; the functions count ' +
      'anonymous clients by the address the edge passes on); the 413s answered at the edge show in ' +
      'CloudFront’s 4xx metrics.',
    where: ({ stateless }) => [stateless.viewer.distribution, stateless.apiCdn.distribution],
  },
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

export const acknowledgeFindings = (
  stacks: { stateful: StatefulStack; stateless: StatelessStack },
  settings: Settings,
): void => {
  for (const acknowledgement of acknowledgements(stacks.stateful)) {
    for (const construct of acknowledgement.where(stacks, settings)) {
      Validations.of(construct).acknowledge({ id: acknowledgement.id, reason: acknowledgement.reason });
    }
  }
};
