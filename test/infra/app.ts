import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { defineService, type ServiceStacks } from '../../lib/service.ts';
import { settingsFromContext } from '../../lib/settings.ts';

/** The feature flags `cdk deploy` runs with (cdk.json), so the templates tested are the ones deployed. */
export const FEATURE_FLAGS: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'),
).context;

/** Skips asset bundling: templates only, offline and fast. */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

/** Both custom domains, each with a certificate from us-east-1 (where CloudFront takes them). */
export const CUSTOM_DOMAINS = {
  viewerDomain: 'i.example.com',
  viewerCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
  apiDomain: 'api.example.com',
  apiCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/66666666-7777-8888-9999-000000000000',
};

/** Every optional protection and log of "Operating it safely". */
export const OPERATING_OPTIONS = {
  viewerReservedConcurrency: '100',
  webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/imgpro/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  originShieldRegion: 'eu-west-1',
  cloudFrontLogs: 'true',
};

/** A throwaway cloud assembly directory, so no `cdk.out` is left behind; remove it with `dispose`. */
export const testApp = (context: Record<string, unknown> = {}) => {
  const outdir = mkdtempSync(join(tmpdir(), 'imgpro-cdk-'));
  const app = new App({ outdir, context: { ...FEATURE_FLAGS, ...NO_BUNDLING, ...context } });
  return { app, outdir, dispose: () => rmSync(outdir, { recursive: true, force: true }) };
};

/** The whole service as `bin/app.ts` defines it, with the given CDK context. */
export const serviceApp = (
  context: Record<string, unknown> = {},
): ServiceStacks & { app: App; outdir: string; dispose: () => void } => {
  const test = testApp(context);
  try {
    return { ...test, ...defineService(test.app, settingsFromContext(test.app.node)) };
  } catch (error) {
    test.dispose();
    throw error;
  }
};
