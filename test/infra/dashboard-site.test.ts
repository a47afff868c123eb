import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { CUSTOM_DOMAINS, serviceApp } from './app.ts';

/**
 * The dashboard on AWS: its files in a private bucket that only the viewer distribution reads
 * (OAC), served under /dashboard by that distribution with a strict CSP, deployed with the stack.
 */
const service = serviceApp();
const stack = service.stateless;
const template = Template.fromStack(stack);
const withDomains = serviceApp(CUSTOM_DOMAINS);
afterAll(() => {
  service.dispose();
  withDomains.dispose();
});

const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const bucketId = logicalId(stack.dashboardSite.bucket);
const distributionId = logicalId(stack.viewer.distribution);

type Behavior = { PathPattern: string; TargetOriginId: string; ResponseHeadersPolicyId: unknown };
const viewerConfig = () =>
  template.findResources('AWS::CloudFront::Distribution')[distributionId]?.Properties.DistributionConfig as {
    CacheBehaviors: Behavior[];
    Origins: { Id: string; DomainName: unknown; S3OriginConfig?: unknown; OriginAccessControlId?: unknown }[];
  };

describe('dashboard site', () => {
  it('keeps its files in a private bucket', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const bucket = template.findResources('AWS::S3::Bucket')[bucketId];
    expect(bucket?.Properties.PublicAccessBlockConfiguration.RestrictPublicBuckets).toBe(true);
  });

  it('is read by the viewer distribution alone, through Origin Access Control', () => {
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy')).filter(
      (policy) => JSON.stringify(policy.Properties.Bucket) === JSON.stringify({ Ref: bucketId }),
    );
    expect(policies).toHaveLength(1);
    const statements = policies[0]?.Properties.PolicyDocument.Statement as {
      Effect: string;
      Principal: unknown;
      Action: unknown;
      Condition?: unknown;
    }[];
    const reads = statements.filter((statement) => statement.Effect === 'Allow');
    expect(reads).toHaveLength(1);
    expect(reads[0]?.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(reads[0]?.Action).toBe('s3:GetObject');
    expect(JSON.stringify(reads[0]?.Condition)).toContain(`":distribution/",{"Ref":"${distributionId}"}`);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always' },
    });
  });

  it('is served under /dashboard of the viewer distribution, from that bucket, with a strict CSP', () => {
    const config = viewerConfig();
    const s3Origin = config.Origins.find((origin) => origin.S3OriginConfig !== undefined);
    expect(JSON.stringify(s3Origin?.DomainName)).toContain(bucketId);
    expect(s3Origin?.OriginAccessControlId).toBeDefined();
    const behaviors = config.CacheBehaviors.filter((behavior) => behavior.TargetOriginId === s3Origin?.Id);
    expect(behaviors.map((behavior) => behavior.PathPattern).sort()).toEqual(['/dashboard', '/dashboard/*']);
    const policyId = logicalId(stack.dashboardSite.responseHeadersPolicy);
    for (const behavior of behaviors) expect(behavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    const policy = template.findResources('AWS::CloudFront::ResponseHeadersPolicy')[policyId];
    const csp = JSON.stringify(
      policy?.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy,
    );
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' https://");
    // The API's distribution is named in connect-src.
    expect(csp).toContain(logicalId(stack.apiCdn.distribution));
  });

  it('deploys the built page under dashboard/ with config.json naming the API, and invalidates it', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: bucketId },
      DestinationBucketKeyPrefix: 'dashboard/',
      DistributionId: { Ref: distributionId },
      DistributionPaths: ['/dashboard', '/dashboard/*'],
      SourceMarkers: Match.arrayWith([
        Match.objectLike({ '<<marker:0xbaba:0>>': Match.objectLike({ 'Fn::GetAtt': Match.anyValue() }) }),
      ]),
    });
  });

  it('allows the custom viewer domain in its CSP when there is one', () => {
    const custom = Template.fromStack(withDomains.stateless);
    const policy = Object.values(custom.findResources('AWS::CloudFront::ResponseHeadersPolicy')).find(
      (found) => String(found.Properties.ResponseHeadersPolicyConfig.Comment).startsWith('imgpro dashboard'),
    );
    const csp = JSON.stringify(policy?.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig);
    expect(csp).toContain(`img-src 'self' data: blob: https://${CUSTOM_DOMAINS.viewerDomain}`);
    expect(csp).toContain(`https://${CUSTOM_DOMAINS.apiDomain}`);
  });
});
