import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  type Alarm,
  ComparisonOperator,
  MathExpression,
  type Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
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

/**
 * The alarms an operator needs and nothing noisier: the API's 5xx rate, every function's crashes
 * (unhandled errors, timeouts, out-of-memory: handled failures are 5xx responses, counted above) and
 * throttles, and a cleanup job that keeps failing or stops running. All notify one SNS topic.
 */
export class ServiceAlarms extends Construct {
  readonly topic: Topic;

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
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return alarm;
  }
}
