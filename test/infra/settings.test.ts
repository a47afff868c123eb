import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../lib/settings.ts';

describe('deployment settings (CDK context)', () => {
  it('needs nothing to deploy', () => {
    expect(parseSettings({})).toMatchObject({
      deletedRetentionDays: 7,
      logLevel: 'INFO',
      logRetentionDays: 30,
      corsAllowOrigins: ['*'],
      priceClass: '100',
      viewerVariantBudget: 100,
      // Reserving nothing deploys on any account, a new one with a concurrency limit of 10 included.
      viewerReservedConcurrency: 0,
      cloudFrontLogs: false,
      // The full-size upload service costs ~$50 a month idle: opted into (decision 0001).
      fullSizeUploads: false,
    });
    expect(parseSettings({}).webAclArn).toBeUndefined();
    expect(parseSettings({}).originShieldRegion).toBeUndefined();
  });

  it('reads the operating options from the command line', () => {
    const acl =
      'arn:aws:wafv2:us-east-1:123456789012:global/webacl/imgpro/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
    expect(
      parseSettings({
        viewerReservedConcurrency: '100',
        webAclArn: acl,
        originShieldRegion: 'eu-west-1',
        cloudFrontLogs: 'true',
      }),
    ).toMatchObject({
      viewerReservedConcurrency: 100,
      webAclArn: acl,
      originShieldRegion: 'eu-west-1',
      cloudFrontLogs: true,
    });
    expect(parseSettings({ cloudFrontLogs: false }).cloudFrontLogs).toBe(false);
    expect(parseSettings({ fullSizeUploads: 'true' }).fullSizeUploads).toBe(true);
    expect(parseSettings({ fullSizeUploads: true }).fullSizeUploads).toBe(true);
    expect(() => parseSettings({ fullSizeUploads: 'yes' })).toThrow(/fullSizeUploads/);
  });

  it('wants a CloudFront-scoped web ACL and a real region', () => {
    const regional =
      'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/imgpro/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
    expect(() => parseSettings({ webAclArn: regional })).toThrow(
      /webAclArn: must be the ARN of a CLOUDFRONT-scoped/,
    );
    expect(() => parseSettings({ originShieldRegion: 'Europe' })).toThrow(/originShieldRegion/);
    expect(() => parseSettings({ viewerReservedConcurrency: -1 })).toThrow(/viewerReservedConcurrency/);
    expect(() => parseSettings({ cloudFrontLogs: 'yes' })).toThrow(/cloudFrontLogs/);
  });

  it('reads command-line strings as numbers and lists', () => {
    expect(
      parseSettings({
        deletedRetentionDays: '14',
        apiRateLimit: '200',
        corsAllowOrigins: 'https://a.example, https://b.example',
      }),
    ).toMatchObject({
      deletedRetentionDays: 14,
      apiRateLimit: 200,
      corsAllowOrigins: ['https://a.example', 'https://b.example'],
    });
  });

  it('passes plan overrides to the functions as JSON', () => {
    expect(parseSettings({ plans: { free: { uploadsPerMonth: 500 } } }).plans).toBe(
      '{"free":{"uploadsPerMonth":500}}',
    );
  });

  it('keeps a segmentation model out of the prefixes the service writes and deletes', () => {
    for (const key of ['originals/x.onnx', 'incoming/x.onnx', 'models/x.bin', '../x.onnx']) {
      expect(() => parseSettings({ segmentModelKey: key }), key).toThrow(/segmentModelKey/);
    }
    expect(parseSettings({ segmentModelKey: 'models/u2netp.onnx' }).segmentModelKey).toBe(
      'models/u2netp.onnx',
    );
  });

  it('names every key that is wrong', () => {
    const invalid = () =>
      parseSettings({
        viewerDomain: 'i.example.com',
        viewerCertificateArn:
          'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
        apiDomain: 'api.example.com',
        apiCertificateArn:
          'arn:aws:acm:eu-west-1:123456789012:certificate/66666666-7777-8888-9999-000000000000',
        logRetentionDays: 10,
        signupUrl: 'not a url',
      });
    expect(invalid).toThrow(/viewerCertificateArn: CloudFront needs a certificate from us-east-1/);
    expect(invalid).toThrow(/apiCertificateArn: CloudFront needs a certificate from us-east-1/);
    expect(invalid).toThrow(/logRetentionDays: must be one of/);
    expect(invalid).toThrow(/signupUrl: Invalid URL/);
  });

  it('wants a domain and its certificate together', () => {
    expect(() => parseSettings({ apiDomain: 'api.example.com' })).toThrow(
      /apiDomain and apiCertificateArn go together/,
    );
  });
});
