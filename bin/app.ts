/** The CDK app: `npx cdk deploy` provisions the service into the current AWS account and region. */
import { App } from 'aws-cdk-lib';
import { StatefulStack } from '../lib/stateful-stack.ts';

const app = new App();
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
new StatefulStack(app, 'ImgproStateful', { env });
