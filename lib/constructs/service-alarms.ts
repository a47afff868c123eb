import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import {
  type Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface ServiceAlarmsProps {
  /**
   * Who is told when an alarm fires or clears (subscribe more endpoints to the topic as needed).
   * @default - no subscription; the topic is in the stack outputs
   */
  readonly email?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

/** CloudFront publishes its metrics in us-east-1 only, under the Global region dimension. */
export const cloudFrontMetric = (
  distribution: IDistribution,
  metricName: string,
  statistic: string,
): Metric =>
  new Metric({
    namespace: 'AWS/CloudFront',
    metricName,
    dimensionsMap: { DistributionId: distribution.distributionId, Region: 'Global' },
    region: 'us-east-1',
    statistic,
    period: FIVE_MINUTES,
  });

/** The account's Lambda concurrency in use (AWS/Usage), which SERVICE_QUOTA relates to its limit. */
export const accountConcurrency = (): Metric =>
  new Metric({
    namespace: 'AWS/Usage',
    metricName: 'ResourceCount',
    dimensionsMap: { Service: 'Lambda', Type: 'Resource', Resource: 'ConcurrentExecutions', Class: 'None' },
    statistic: 'Maximum',
    period: Duration.minutes(1),
  });

/** Throttled reads and writes on a table and its indexes. */
export const tableThrottles = (table: ITableV2, indexNames: readonly string[]): MathExpression => {
  const events = (metricName: string, index?: string) =>
    new Metric({
      namespace: 'AWS/DynamoDB',
      metricName,
      dimensionsMap: { TableName: table.tableName, ...(index && { GlobalSecondaryIndexName: index }) },
      statistic: 'Sum',
      period: FIVE_MINUTES,
    });
  const usingMetrics: Record<string, IMetric> = {};
  for (const [position, index] of [undefined, ...indexNames].entries()) {
    usingMetrics[`r${position}`] = events('ReadThrottleEvents', index);
    usingMetrics[`w${position}`] = events('WriteThrottleEvents', index);
  }
  return new MathExpression({
    // FILL: a table that was never throttled publishes nothing.
    expression: Object.keys(usingMetrics)
      .map((id) => `FILL(${id}, 0)`)
      .join(' + '),
    usingMetrics,
    period: FIVE_MINUTES,
    label: 'DynamoDB throttled requests (table and indexes)',
  });
};

/**
 * The alarms an operator needs and nothing noisier: the API's and the distributions' 5xx rates, every
 * function's crashes (unhandled errors, timeouts, out-of-memory: handled failures are 5xx responses,
 * counted above), throttles and durations close to its timeout, the viewer's concurrency against its
 * reservation and the account's against its quota, DynamoDB throttling, and a cleanup job that keeps
 * failing or stops running. All notify one SNS topic.
 */
export class ServiceAlarms extends Construct {
  readonly topic: Topic;
  /** Every alarm created, for the dashboard's status widget. */
  readonly all: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps = {}) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { displayName: 'imgpro alarms', enforceSSL: true });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
  }

  /** 5xx responses above 5 % of requests in two of three 5-minute periods (ignoring idle periods). */
  apiServerErrorRate(api: HttpApi): Alarm {
    const rate = new MathExpression({
      expression: 'IF(requests >= 20, 100 * errors / requests, 0)',
      usingMetrics: {
        errors: api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
        requests: api.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' }),
      },
      period: FIVE_MINUTES,
      label: 'API 5xx responses (% of requests)',
    });
    return this.notify(
      rate.createAlarm(this, 'ApiServerErrorRate', {
        alarmDescription:
          'More than 5% of API requests answered 5xx. Check the functions’ logs by request id.',
        threshold: 5,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /** Any crash or throttle of the function in a 5-minute period. */
  functionHealth(fn: IFunction, name: string): void {
    this.atLeastOnce(fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), `${name}Errors`, {
      description: `${name}: invocations failed (unhandled error, timeout or out of memory).`,
    });
    this.atLeastOnce(fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }), `${name}Throttles`, {
      description: `${name}: invocations throttled (account or function concurrency exhausted).`,
    });
  }

  /**
   * The slowest invocations (p99) within a fifth of the timeout in two of three 5-minute periods:
   * a function about to time out, before it does.
   */
  durationNearTimeout(fn: LambdaFunction, name: string): Alarm {
    const timeout = fn.timeout ?? Duration.seconds(3);
    const threshold = Math.round(timeout.toMilliseconds() * 0.8);
    return this.notify(
      fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }).createAlarm(this, `${name}NearTimeout`, {
        alarmDescription: `${name}: p99 duration above 80% of its ${timeout.toSeconds()} s timeout.`,
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /** A function using 80% of its reserved concurrency: the next burst is throttled. */
  reservedConcurrency(fn: IFunction, name: string, reserved: number): Alarm {
    return this.notify(
      fn
        .metric('ConcurrentExecutions', { period: Duration.minutes(1), statistic: 'Maximum' })
        .createAlarm(this, `${name}Concurrency`, {
          alarmDescription: `${name}: concurrency at 80% of the ${reserved} reserved for it; more is throttled.`,
          threshold: Math.max(1, Math.floor(reserved * 0.8)),
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 5,
          datapointsToAlarm: 3,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
    );
  }

  /** The account's Lambda concurrency at 80% of its quota (whatever the quota is: SERVICE_QUOTA). */
  accountConcurrency(): Alarm {
    const usage = new MathExpression({
      expression: '100 * usage / SERVICE_QUOTA(usage)',
      usingMetrics: { usage: accountConcurrency() },
      period: Duration.minutes(1),
      label: 'Lambda concurrency (% of the account quota)',
    });
    return this.notify(
      usage.createAlarm(this, 'AccountConcurrency', {
        alarmDescription:
          'Lambda concurrency of the account above 80% of its quota: functions (API included) are about to ' +
          'be throttled. Lower viewerReservedConcurrency or ask for a higher quota.',
        threshold: 80,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /**
   * 5xx answers above 5% of a distribution's requests in two of three 5-minute periods (ignoring idle
   * ones). CloudFront's metrics live in us-east-1: the alarm must be there too.
   */
  distributionServerErrorRate(distribution: IDistribution, name: string): Alarm {
    const rate = new MathExpression({
      expression: 'IF(requests >= 20, errorRate, 0)',
      usingMetrics: {
        errorRate: cloudFrontMetric(distribution, '5xxErrorRate', 'Average'),
        requests: cloudFrontMetric(distribution, 'Requests', 'Sum'),
      },
      period: FIVE_MINUTES,
      label: `${name} 5xx responses (% of requests)`,
    });
    return this.notify(
      rate.createAlarm(this, `${name}ServerErrorRate`, {
        alarmDescription: `${name}: more than 5% of CloudFront responses were 5xx (origin errors or timeouts).`,
        threshold: 5,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /** Any throttled read or write on the table or its indexes (on-demand: a hot key or a table limit). */
  tableThrottles(table: ITableV2, indexNames: readonly string[]): Alarm {
    return this.notify(
      tableThrottles(table, indexNames).createAlarm(this, 'TableThrottles', {
        alarmDescription:
          'DynamoDB throttled requests on the service table: a hot partition or the table’s on-demand limit.',
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /**
   * The cleanup job failing two runs in a row (one failed run is retried by the next), or not
   * running at all for 15 minutes (schedule disabled, permissions broken before the handler runs).
   */
  cleanupHealth(fn: IFunction): void {
    this.atLeastOnce(fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), 'CleanupFailures', {
      description:
        'Cleanup: two runs in a row ended with failed steps; expired or deleted media are piling up.',
      evaluationPeriods: 2,
    });
    this.notify(
      fn
        .metricInvocations({ period: FIVE_MINUTES, statistic: 'Sum' })
        .createAlarm(this, 'CleanupNotRunning', {
          alarmDescription: 'Cleanup: no run for 15 minutes although it is scheduled every 5.',
          threshold: 1,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 3,
          treatMissingData: TreatMissingData.BREACHING,
        }),
    );
  }

  private atLeastOnce(
    metric: Metric,
    id: string,
    options: { description: string; evaluationPeriods?: number },
  ): Alarm {
    const periods = options.evaluationPeriods ?? 1;
    return this.notify(
      metric.createAlarm(this, id, {
        alarmDescription: options.description,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: periods,
        datapointsToAlarm: periods,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  private notify(alarm: Alarm): Alarm {
    this.all.push(alarm);
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return alarm;
  }
}
