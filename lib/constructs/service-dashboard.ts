import { Duration } from 'aws-cdk-lib';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import {
  type Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { accountConcurrency, cloudFrontMetric, tableThrottles } from './service-alarms.ts';

/**
 * Where the service's own metrics go. The functions publish them with Powertools Metrics (EMF):
 * namespace `imgpro`, dimension `service` (the Metrics `serviceName`), snake_case names; the API's
 * access log is turned into counts here by metric filters, under the same namespace.
 */
export const APP_METRICS = {
  namespace: 'imgpro',
  /** `lambdas/cleanup/handler.ts`: `cleanup_<field of its report>`, once per run. */
  cleanup: ['expired', 'invalidated', 'purged', 'kept', 'orphans', 'unclaimed', 'failed'].map(
    (field) => `cleanup_${field}`,
  ),
  /** The viewer (`serviceName: 'viewer'`): a variant refused by the per-media budget (429). */
  variantBudgetRefused: 'variant_budget_refused',
  /** The viewer: a transform refused because it would cost more than the render budget (422). */
  renderRejected: 'render_rejected',
  /** Media stored, counted from the API's access log (route and 201). */
  stored: [
    { metricName: 'uploads', route: 'POST /v1/upload' },
    { metricName: 'direct_uploads', route: 'POST /v1/uploads/{upload_id}/complete' },
    { metricName: 'imports', route: 'POST /v1/import' },
  ],
} as const;

const appMetric = (metricName: string, service: string | undefined, period: Duration) =>
  new Metric({
    namespace: APP_METRICS.namespace,
    metricName,
    ...(service && { dimensionsMap: { service } }),
    statistic: 'Sum',
    period,
  });

export interface ServiceDashboardProps {
  /** Every function, by the name the console and the alarms use. */
  readonly functions: ReadonlyArray<readonly [string, IFunction]>;
  readonly viewerFunction: IFunction;
  readonly viewerDistribution: IDistribution;
  readonly apiDistribution: IDistribution;
  readonly apiAccessLogs: ILogGroup;
  readonly table: ITableV2;
  readonly tableIndexNames: readonly string[];
  readonly alarms: readonly Alarm[];
}

const FIVE_MINUTES = Duration.minutes(5);
const HOUR = Duration.hours(1);

/**
 * One CloudWatch dashboard that answers the operator's questions: is anything failing or slow (per
 * function), is the CDN doing its job (hit ratio, 5xx), what is the service doing (uploads and
 * imports per hour), is anyone pushing the viewer (render rejections, variant-budget refusals,
 * concurrency), is the table keeping up (throttles), is the cleanup job keeping up.
 */
export class ServiceDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ServiceDashboardProps) {
    super(scope, id);

    for (const { metricName, route } of APP_METRICS.stored) {
      props.apiAccessLogs.addMetricFilter(`${metricName}Filter`, {
        metricNamespace: APP_METRICS.namespace,
        metricName,
        // The access log's fields are strings (see ServiceApi).
        filterPattern: FilterPattern.literal(`{ ($.route = "${route}") && ($.status = "201") }`),
        metricValue: '1',
      });
    }

    const perFunction = (title: string, metric: (fn: IFunction) => IMetric, unit?: string) =>
      new GraphWidget({
        title,
        width: 8,
        height: 8,
        left: props.functions.map(([name, fn]) => (metric(fn) as Metric).with({ label: name })),
        ...(unit && { leftYAxis: { label: unit, showUnits: false } }),
      });

    const cdnRequests = cloudFrontMetric(props.viewerDistribution, 'Requests', 'Sum');
    const hitRatio = new MathExpression({
      // Every miss (and every error that reached the origin) is one invocation of the viewer function.
      expression: 'IF(requests > 0, 100 * (1 - misses / requests), 0)',
      usingMetrics: {
        requests: cdnRequests,
        misses: props.viewerFunction.metricInvocations({ period: FIVE_MINUTES, statistic: 'Sum' }),
      },
      period: FIVE_MINUTES,
      label: 'Viewer cache hit ratio (%)',
    });

    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(24),
      widgets: [
        [
          new TextWidget({
            markdown:
              '# imgpro\nRequests, errors and p95 duration per function; the CDN; what the service does; ' +
              'the viewer under pressure; the table; the cleanup job. See README "Operating it safely".',
            width: 24,
            height: 2,
          }),
        ],
        [
          perFunction('Requests per function', (fn) =>
            fn.metricInvocations({ period: FIVE_MINUTES, statistic: 'Sum' }),
          ),
          perFunction('Errors per function', (fn) =>
            fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
          ),
          perFunction(
            'p95 duration per function',
            (fn) => fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p95' }),
            'ms',
          ),
        ],
        [
          new GraphWidget({
            title: 'Viewer CDN: requests and cache hit ratio',
            width: 8,
            left: [cdnRequests.with({ label: 'Requests' })],
            right: [hitRatio],
            rightYAxis: { min: 0, max: 100, label: '%', showUnits: false },
          }),
          new GraphWidget({
            title: 'CloudFront 5xx rate',
            width: 8,
            left: [
              cloudFrontMetric(props.viewerDistribution, '5xxErrorRate', 'Average').with({ label: 'Viewer' }),
              cloudFrontMetric(props.apiDistribution, '5xxErrorRate', 'Average').with({ label: 'API' }),
            ],
            leftYAxis: { min: 0, label: '%', showUnits: false },
          }),
          new GraphWidget({
            title: 'Media stored per hour',
            width: 8,
            left: APP_METRICS.stored.map(({ metricName }) =>
              appMetric(metricName, undefined, HOUR).with({ label: metricName }),
            ),
          }),
        ],
        [
          new GraphWidget({
            title: 'Viewer refusals: render budget (422) and variant budget (429)',
            width: 8,
            left: [
              appMetric(APP_METRICS.renderRejected, 'viewer', FIVE_MINUTES).with({
                label: 'render rejected',
              }),
              appMetric(APP_METRICS.variantBudgetRefused, 'viewer', FIVE_MINUTES).with({
                label: 'variant budget refused',
              }),
            ],
          }),
          new GraphWidget({
            title: 'Concurrency',
            width: 8,
            left: [
              props.viewerFunction
                .metric('ConcurrentExecutions', { period: Duration.minutes(1), statistic: 'Maximum' })
                .with({ label: 'viewer' }),
              accountConcurrency().with({ label: 'account' }),
            ],
          }),
          new GraphWidget({
            title: 'DynamoDB throttles',
            width: 8,
            left: [tableThrottles(props.table, props.tableIndexNames)],
          }),
        ],
        [
          new GraphWidget({
            title: 'Cleanup job (per 5-minute run)',
            width: 12,
            left: APP_METRICS.cleanup.map((metricName) =>
              appMetric(metricName, 'cleanup', FIVE_MINUTES).with({ label: metricName }),
            ),
          }),
          new AlarmStatusWidget({ title: 'Alarms', width: 12, height: 8, alarms: [...props.alarms] }),
        ],
      ],
    });
  }
}
