import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { CUSTOM_DOMAINS, OPERATING_OPTIONS, serviceApp } from './app.ts';

/** Violations left in the assembly's validation report (acknowledged ones are not listed). */
const violations = (outdir: string): string[] => {
  const path = join(outdir, 'validation-report.json');
  if (!existsSync(path)) return [];
  const report = JSON.parse(readFileSync(path, 'utf8')) as {
    pluginReports: Array<{
      violations: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath: string }> }>;
    }>;
  };
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((violation) =>
      violation.violatingConstructs.map((construct) => `${violation.ruleName} at ${construct.constructPath}`),
    ),
  );
};

const synthesises = (context: Record<string, unknown>) => {
  const service = serviceApp(context);
  try {
    service.app.synth();
    return violations(service.outdir);
  } finally {
    service.dispose();
  }
};

// A whole synth with the rules run over it takes tens of seconds on a busy machine.
describe('cdk-nag AWS Solutions and Serverless', { timeout: 180_000 }, () => {
  it('passes on the default deployment, every finding acknowledged with its reason in lib/nag.ts', () => {
    expect(synthesises({})).toEqual([]);
  });

  it('passes with custom domains (no TLS policy to acknowledge) and an alarm mail', () => {
    expect(synthesises({ ...CUSTOM_DOMAINS, alarmEmail: 'ops@example.com' })).toEqual([]);
  });

  it('passes with every operating option on, a web ACL needing no acknowledgement', () => {
    expect(synthesises(OPERATING_OPTIONS)).toEqual([]);
  });

  it('fails the synth on a finding nobody acknowledged', () => {
    const service = serviceApp();
    try {
      new Bucket(service.stateless, 'Careless', { enforceSSL: false });
      expect(() => service.app.synth()).toThrow(/AwsSolutions-S10/);
      expect(violations(service.outdir)).toContain('AwsSolutions-S10 at ImgproStateless/Careless/Resource');
    } finally {
      service.dispose();
    }
  });
});
