import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Why a part of `test:deploy` cannot run here (a tool is missing), as a suffix for its title, or
 * undefined when it can. With TEST_DEPLOY_STRICT=1 (CI) a missing tool fails the run instead.
 */
export const toolProblem = async (command: string, debianPackage: string): Promise<string | undefined> => {
  const found = await promisify(execFile)('sh', ['-c', `command -v ${command}`]).then(
    () => true,
    () => false,
  );
  return found
    ? undefined
    : missing(`${command} is not installed (Debian: apt-get install ${debianPackage})`);
};

/** `reason` as a skip notice, or an error under TEST_DEPLOY_STRICT=1. */
export const missing = (reason: string): string => {
  if (process.env.TEST_DEPLOY_STRICT === '1') throw new Error(`test:deploy cannot run here: ${reason}`);
  console.warn(`test:deploy: skipping what needs it: ${reason}`);
  return ` — SKIPPED: ${reason}`;
};
