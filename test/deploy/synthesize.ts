import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { readCloudAssembly } from '#local/lambda/assembly';
import { hostArchitecture, kitProblem, lambdaKit } from '#local/lambda/kit';
import { removeTaskRoots } from '#local/lambda/task-root';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Why arm64 functions cannot run here, if they cannot. */
    arm64Problem: string | undefined;
  }
}

/**
 * Global setup of `npm run test:deploy`: the app synthesized exactly as `npx cdk synth` does for a
 * user (offline, bundling included), into a folder outside the project; and the Lambda runtime
 * interface client built for the host and, where emulation can run, for arm64.
 */
export default async function setup(project: TestProject) {
  const log = (line: string) => console.log(`test:deploy: ${line}`);
  const started = Date.now();
  // CLOUD_ASSEMBLY=<dir> tests an assembly synthesized before (and keeps it), to iterate faster.
  const given = process.env.CLOUD_ASSEMBLY;
  const dir = given ? undefined : await mkdtemp(join(tmpdir(), 'imgpro-deploy-'));
  const directory = given ?? join(dir ?? '', 'cdk.out');
  const host = hostArchitecture();
  if (!host) throw new Error('test:deploy runs on Linux (x64 or arm64).');
  const arm64Problem = host === 'arm64' ? undefined : await kitProblem('arm64');
  try {
    await Promise.all([
      given ? undefined : synthesize(directory),
      lambdaKit(host, log),
      arm64Problem === undefined && host !== 'arm64' ? lambdaKit('arm64', log) : undefined,
    ]);
  } catch (error) {
    // A failed setup has no teardown: what it made goes now.
    if (dir) await rm(dir, { recursive: true, force: true });
    throw error;
  }
  log(`synthesized and ready in ${((Date.now() - started) / 1000).toFixed(0)} s: ${directory}`);
  if (arm64Problem) log(`arm64 emulation cannot run here, so its tests are skipped: ${arm64Problem}`);
  project.provide('cloudAssembly', directory);
  project.provide('arm64Problem', arm64Problem);
  return async () => {
    await removeTaskRoots([...readCloudAssembly(directory).functions.values()].map((fn) => fn.asset));
    if (dir) await rm(dir, { recursive: true, force: true });
  };
}

/** `npx cdk synth` as a user runs it: offline, with the functions bundled (esbuild, npm for arm64). */
const synthesize = (directory: string) =>
  promisify(execFile)('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', directory], {
    maxBuffer: 64 * 1024 ** 2,
  }).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`cdk synth failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
  });
