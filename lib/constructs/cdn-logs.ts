import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import {
  CfnDelivery,
  CfnDeliveryDestination,
  CfnDeliverySource,
  LogGroup,
  type RetentionDays,
} from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface CdnLogsProps {
  readonly distribution: IDistribution;
  readonly retention: RetentionDays;
}

/**
 * CloudFront standard logs (v2) of one distribution, delivered by CloudWatch Logs into a log group of
 * their own: every request, hits included, with its edge result, status, bytes and time taken.
 * CloudFront is a global service that delivers its logs from us-east-1, so the stack holding this
 * must be deployed there (the settings refuse it elsewhere). Billed as vended logs ($0.50 per GB
 * ingested in us-east-1, less in volume) plus storage.
 */
export class CdnLogs extends Construct {
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: CdnLogsProps) {
    super(scope, id);
    const name = `${Stack.of(this).stackName}-${id}`.slice(0, 60);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const source = new CfnDeliverySource(this, 'Source', {
      name,
      logType: 'ACCESS_LOGS',
      resourceArn: props.distribution.distributionArn,
    });
    const destination = new CfnDeliveryDestination(this, 'Destination', {
      name,
      destinationResourceArn: this.logGroup.logGroupArn,
      outputFormat: 'json',
    });
    const delivery = new CfnDelivery(this, 'Delivery', {
      deliverySourceName: source.name,
      deliveryDestinationArn: destination.attrArn,
    });
    delivery.addDependency(source);
    delivery.addDependency(destination);
  }
}
