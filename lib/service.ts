import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { acknowledgeFindings } from './nag.ts';
import type { Settings } from './settings.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

export interface ServiceStacks {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/** Stack names: the admin CLI's `--stack` and the README refer to them. */
export const STACK_NAMES = { stateful: 'ImgproStateful', stateless: 'ImgproStateless' } as const;

/**
 * The whole service in one app: the retained stateful stack and the stateless stack that uses it,
 * checked against cdk-nag's AWS Solutions and Serverless rules on every synth (a finding fails the synth unless it
 * is acknowledged, with its reason, in `nag.ts`).
 */
export const defineService = (app: App, settings: Settings): ServiceStacks => {
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const stateful = new StatefulStack(app, STACK_NAMES.stateful, {
    env,
    description: 'imgpro: the table, the originals bucket and the upgrade-link key (retained on deletion)',
    uploadCorsOrigins: settings.corsAllowOrigins,
  });
  const stateless = new StatelessStack(app, STACK_NAMES.stateless, {
    env,
    description: 'imgpro: API, functions, viewer CDN, cleanup schedule and alarms',
    stateful: stateful.exports,
    settings,
  });
  stateless.addStackDependency(stateful, 'imports its table, bucket and secret');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  acknowledgeFindings({ stateful, stateless }, settings);
  return { stateful, stateless };
};
