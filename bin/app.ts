/**
 * The CDK app: `npx cdk deploy --all` provisions the service into the current AWS account and region.
 * Settings come from CDK context (`-c key=value` or cdk.json); see lib/settings.ts and the README.
 */
import { App } from 'aws-cdk-lib';
import { defineService } from '../lib/service.ts';
import { settingsFromContext } from '../lib/settings.ts';

const app = new App();
defineService(app, settingsFromContext(app.node));
