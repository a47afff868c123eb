import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '#local/dynamodb-local';
import { startS3Local } from '#local/s3-local';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
    s3Endpoint: string;
    /** The `cdk synth` output whose functions serve the routes (`npm run test:deploy` only). */
    cloudAssembly: string | undefined;
  }
}

/** Global setup: the real emulators, started once per test run and shared by every test file. */
export default async function setup(project: TestProject) {
  const s3Dir = await mkdtemp(join(tmpdir(), 'imgpro-test-s3-'));
  const [dynamo, s3] = await Promise.all([startDynamoDbLocal({}), startS3Local({ directory: s3Dir })]);
  project.provide('dynamoDbEndpoint', dynamo.endpoint);
  project.provide('s3Endpoint', s3.endpoint);
  return async () => {
    await Promise.all([dynamo.stop(), s3.stop()]);
    await rm(s3Dir, { recursive: true, force: true });
  };
}
