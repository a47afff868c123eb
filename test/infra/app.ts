import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { defineService, type ServiceStacks } from '../../lib/service.ts';
import { settingsFromContext } from '../../lib/settings.ts';

/** Skips asset bundling: templates only, offline and fast (DESIGN §6). */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

/** A throwaway cloud assembly directory, so no `cdk.out` is left behind; remove it with `dispose`. */
export const testApp = (context: Record<string, unknown> = {}) => {
  const outdir = mkdtempSync(join(tmpdir(), 'imgpro-cdk-'));
  const app = new App({ outdir, context: { ...NO_BUNDLING, ...context } });
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
