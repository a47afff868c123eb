import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';
import { describe, expect, it } from 'vitest';
import { FEATURE_FLAGS } from './app.ts';

/**
 * Every feature flag the installed CDK recommends is set in cdk.json, to the recommended value. When
 * a CDK upgrade brings new ones, this fails until each is reviewed: set it, unless it would replace a
 * stateful resource (the table, the bucket, a distribution), in which case it is listed here with why.
 * Reviewed for aws-cdk-lib 2.276: setting all of them changes only how IAM policies are written
 * (@aws-cdk/aws-iam:minimizePolicies merges statements); no resource of the stateful stack changes.
 */
const LEFT_UNSET: Record<string, string> = {};

describe('CDK feature flags', () => {
  it('sets every recommended flag to its recommended value, or says why not', () => {
    const unreviewed = Object.entries(CURRENTLY_RECOMMENDED_FLAGS)
      .filter(([flag]) => !(flag in LEFT_UNSET))
      .filter(([flag, value]) => JSON.stringify(FEATURE_FLAGS[flag]) !== JSON.stringify(value))
      .map(([flag]) => flag);
    expect(unreviewed).toEqual([]);
  });
});
