import { Annotations, CfnOutput, Duration, Fn, Stack, type StackProps, Token } from 'aws-cdk-lib';
import { PriceClass } from 'aws-cdk-lib/aws-cloudfront';
import { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../lambdas/core/store/keys.ts';
import { ORIGINALS_PREFIX } from '../lambdas/core/store/object-keys.ts';
import {
  ROUTES,
  type RouteAccess,
  type RouteDefinition,
  TABLE_WORK,
  tableActions,
} from '../lambdas/http/routes.ts';
import { ApiCdn } from './constructs/api-cdn.ts';
import {
  bindAccess,
  bindDistribution,
  bindOriginSecret,
  bindSettings,
  bindVariantBudget,
  bindVariantStore,
  type ServiceResources,
  usesServices,
} from './constructs/bindings.ts';
import { CdnLogs } from './constructs/cdn-logs.ts';
import { DashboardSite } from './constructs/dashboard-site.ts';
import { LargeUploads } from './constructs/large-uploads.ts';
import { ServiceAlarms } from './constructs/service-alarms.ts';
import { ServiceApi } from './constructs/service-api.ts';
import { ServiceDashboard } from './constructs/service-dashboard.ts';
import { ServiceFunction } from './constructs/service-function.ts';
import { ViewerCdn } from './constructs/viewer-cdn.ts';
import type { Settings } from './settings.ts';
import type { StatefulExports } from './stateful-stack.ts';

export interface StatelessStackProps extends StackProps {
  /** Export names of the stateful stack's table, bucket and secret. */
  readonly stateful: StatefulExports;
  readonly settings: Settings;
}

/** Entries outside `ROUTES`, relative to the repository root. */
export const VIEWER_ENTRY = 'lambdas/viewer/stream.ts';
export const CLEANUP_ENTRY = 'lambdas/cleanup/handler.ts';

/** What the viewer origin and the cleanup job may touch, declared like a route's. */
export const VIEWER_ACCESS: RouteAccess = {
  // The media item by id; the variant budget's look back over its records. Its one write, on
  // variant records only, is bindVariantBudget's.
  table: ['GetItem', 'Query'],
  originals: ['read'],
  // The /upgrade page verifies signed upgrade links.
  upgradeSecret: true,
};
export const CLEANUP_ACCESS: RouteAccess = {
  table: tableActions(
    // Media due (the index), then marked invalidated, purged or requeued.
    ['Query', 'UpdateItem'],
    // Expiry retires media like a DELETE.
    TABLE_WORK.retireMedia,
    // Sweeps: the records of old originals' ids, and each prefix's cursor; facts backfilled.
    ['BatchGetItem', 'GetItem', 'PutItem'],
  ),
  // Reads the originals it lists, for the facts backfill.
  originals: ['delete', 'list', 'get'],
};

/** `list-media` → `ListMediaFunction`: the construct id of a route's function. */
const functionIdOf = (route: RouteDefinition): string =>
  `${route.entry.replace(/(^|[-_/])([a-z0-9])/g, (_match, _separator, letter: string) => letter.toUpperCase())}Function`;

/** The stateful stack's resources, by their exports. */
const importStateful = (scope: Construct, names: StatefulExports): ServiceResources => ({
  table: TableV2.fromTableAttributes(scope, 'Table', {
    tableArn: Fn.importValue(names.tableArn),
  }),
  originals: Bucket.fromBucketAttributes(scope, 'Originals', {
    bucketName: Fn.importValue(names.bucketName),
    bucketArn: Fn.importValue(names.bucketArn),
  }),
  upgradeLinkSecret: Secret.fromSecretCompleteArn(
    scope,
    'UpgradeLinkSecret',
    Fn.importValue(names.upgradeLinkSecretArn),
  ),
});

const TABLE_INDEX_NAMES = TABLE_SCHEMA.indexes.map((index) => index.name);

const PRICE_CLASS = {
  '100': PriceClass.PRICE_CLASS_100,
  '200': PriceClass.PRICE_CLASS_200,
  All: PriceClass.PRICE_CLASS_ALL,
};

/**
 * Everything that can be deleted and deployed again without losing data: the functions, the HTTP
 * API and its CloudFront front door, the viewer's CloudFront distribution, the cleanup schedule and the alarms. It only refers to
 * the stateful stack's table, bucket and secret, and grants on them.
 */
export class StatelessStack extends Stack {
  readonly api: ServiceApi;
  readonly apiCdn: ApiCdn;
  readonly viewer: ViewerCdn;
  /** The web dashboard, under `/dashboard` on the viewer's distribution. */
  readonly dashboardSite: DashboardSite;
  readonly routeFunctions: ReadonlyMap<RouteDefinition, ServiceFunction>;
  readonly viewerFunction: ServiceFunction;
  readonly cleanupFunction: ServiceFunction;
  readonly alarms: ServiceAlarms;
  readonly dashboard: ServiceDashboard;
  /** The full-size upload path, with the `fullSizeUploads` setting. */
  readonly largeUploads: LargeUploads | undefined;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const resources = importStateful(this, props.stateful);
    const logRetention = settings.logRetentionDays as RetentionDays;
    const viewerDomain = settings.viewerDomain
      ? { name: settings.viewerDomain, certificateArn: settings.viewerCertificateArn as string }
      : undefined;
    const apiDomain = settings.apiDomain
      ? { name: settings.apiDomain, certificateArn: settings.apiCertificateArn as string }
      : undefined;

    /** The settings every function that builds the shared services reads (see lambdas/core/config.ts). */
    const serviceSettings = (publicBaseUrl: string | undefined, apiBaseUrl?: string) => ({
      PUBLIC_BASE_URL: publicBaseUrl,
      API_BASE_URL: apiBaseUrl,
      SIGNUP_URL: settings.signupUrl,
      UPGRADE_URL: settings.upgradeUrl,
      REGISTRATION: settings.registration,
      REGISTRATION_EMAIL_DOMAINS: settings.registrationEmailDomains,
      OPERATOR_CONTACT: settings.operatorContact,
      SITE_NAME: settings.siteName,
      PLANS: settings.plans,
      ANON_RATE_LIMIT_HOURLY: settings.anonRateLimitHourly,
      ANON_RATE_LIMIT_DAILY: settings.anonRateLimitDaily,
      DELETED_RETENTION_DAYS: settings.deletedRetentionDays,
    });
    const fn = (
      id: string,
      entry: string,
      description: string,
      options: {
        memorySize?: number;
        timeout?: Duration;
        reservedConcurrentExecutions?: number;
        assets?: Readonly<Record<string, string>>;
      } = {},
    ) =>
      new ServiceFunction(this, id, {
        entry,
        description,
        logRetention,
        logLevel: settings.logLevel,
        ...options,
      });

    // The viewer origin and its CDN come first: every link the API returns starts with their URL.
    this.viewerFunction = fn(
      'ViewerFunction',
      VIEWER_ENTRY,
      'Viewer links: image bytes or the HTML page, with transforms',
      {
        memorySize: 2048,
        timeout: Duration.seconds(60),
        // Its ceiling and the API's room (see settings): 0 reserves nothing.
        ...(settings.viewerReservedConcurrency > 0 && {
          reservedConcurrentExecutions: settings.viewerReservedConcurrency,
        }),
      },
    );
    this.viewer = new ViewerCdn(this, 'ViewerCdn', {
      origin: this.viewerFunction,
      originReadTimeout: Duration.seconds(60),
      priceClass: PRICE_CLASS[settings.priceClass],
      domain: viewerDomain,
      webAclArn: settings.webAclArn,
      originShieldRegion: settings.originShieldRegion,
    });
    bindAccess(this.viewerFunction, VIEWER_ACCESS, resources);
    // The variant budget: its setting and the one write it needs (variant records only).
    bindVariantBudget(this.viewerFunction, resources.table, settings.viewerVariantBudget);
    // The variant store: rendered variants written under variants/ only.
    bindVariantStore(this.viewerFunction, resources.originals);
    // A function URL origin sees only its own host, and the distribution's domain cannot be set on the
    // function it fronts (CloudFormation would have a cycle): with no custom domain, the viewer takes
    // the base from the x-forwarded-host header that the viewer-request function sets.
    bindSettings(this.viewerFunction, {
      ...serviceSettings(viewerDomain && this.viewer.baseUrl),
      // Set here, not by hand on the function: the next deploy would undo a console edit.
      SEGMENT_MODEL_S3_URI:
        settings.segmentModelKey && `s3://${resources.originals.bucketName}/${settings.segmentModelKey}`,
      SEGMENT_MODEL_PROFILE: settings.segmentModelProfile,
      SEGMENT_MODEL_SHA256: settings.segmentModelSha256,
    });

    this.api = new ServiceApi(this, 'Api', {
      corsAllowOrigins: settings.corsAllowOrigins,
      rateLimit: settings.apiRateLimit,
      burstLimit: settings.apiBurstLimit,
      logRetention,
    });
    let largeUploads: LargeUploads | undefined;
    this.apiCdn = new ApiCdn(this, 'ApiCdn', {
      api: this.api.api,
      priceClass: PRICE_CLASS[settings.priceClass],
      domain: apiDomain,
      webAclArn: settings.webAclArn,
      ...(settings.fullSizeUploads && {
        largeUploads: (originHeaders: Record<string, string>) => {
          largeUploads = new LargeUploads(this, 'LargeUploads', {
            originHeaders,
            logRetention,
            logLevel: settings.logLevel,
          });
          return largeUploads.origin;
        },
      }),
    });
    this.largeUploads = largeUploads;
    if (largeUploads) {
      // The upload function's modules, with the upload route's access, its objects under originals/
      // only (all an upload writes or removes).
      const uploadRoute = ROUTES.find((route) => route.method === 'POST' && route.path === '/v1/upload');
      if (!uploadRoute) throw new Error('the route table has no POST /v1/upload');
      bindAccess(largeUploads.target, uploadRoute.access, resources, { objectsUnder: ORIGINALS_PREFIX });
      bindSettings(largeUploads.target, {
        ...serviceSettings(this.viewer.baseUrl, this.apiCdn.url),
        // API Gateway's CORS never sees these answers: the server adds the same headers itself.
        CORS_ALLOW_ORIGINS: settings.corsAllowOrigins.join(','),
      });
      bindOriginSecret(largeUploads.target, this.apiCdn.originSecret);
    }
    // The viewer's /upgrade page tells people where registration is.
    bindSettings(this.viewerFunction, { API_BASE_URL: this.apiCdn.url });
    const routeFunctions = new Map<RouteDefinition, ServiceFunction>();
    for (const route of ROUTES) {
      const imageWork = (route.access.originals?.length ?? 0) > 0;
      const routeFunction = fn(
        functionIdOf(route),
        `lambdas/http/${route.entry}.ts`,
        `${route.method} ${route.path}`,
        {
          // Decoding and re-encoding images wants memory and the CPU that comes with it.
          memorySize: imageWork ? 2048 : 1024,
          ...(route.assets && { assets: route.assets }),
        },
      );
      bindAccess(routeFunction, route.access, resources);
      if (usesServices(route.access)) {
        bindSettings(routeFunction, serviceSettings(this.viewer.baseUrl, this.apiCdn.url));
        bindOriginSecret(routeFunction, this.apiCdn.originSecret);
      }
      this.api.addRoute(route, routeFunction);
      routeFunctions.set(route, routeFunction);
    }
    this.routeFunctions = routeFunctions;

    this.cleanupFunction = fn(
      'CleanupFunction',
      CLEANUP_ENTRY,
      'Expires media, purges deleted originals, invalidates the CDN',
      {
        // Shorter than the schedule's interval, so runs never overlap.
        timeout: Duration.minutes(4),
      },
    );
    bindAccess(this.cleanupFunction, CLEANUP_ACCESS, resources);
    bindDistribution(this.cleanupFunction, this.viewer.distribution);
    bindSettings(this.cleanupFunction, serviceSettings(this.viewer.baseUrl));
    new Rule(this, 'CleanupSchedule', {
      description: 'Runs the imgpro cleanup job',
      schedule: Schedule.rate(Duration.minutes(5)),
      // A failed run is not retried: the next scheduled run picks up what is left.
      targets: [new LambdaFunction(this.cleanupFunction, { retryAttempts: 0 })],
    });

    // CloudFront publishes its metrics and delivers its logs in us-east-1 only, and an alarm watches
    // its own region's metrics: what is about the distributions lives here only when the stack does.
    const inUsEast1 = Token.isUnresolved(this.region) || this.region === 'us-east-1';
    if (settings.cloudFrontLogs && !inUsEast1) {
      throw new Error(
        `cloudFrontLogs: CloudFront delivers its logs in us-east-1 only; this stack deploys to ${this.region}`,
      );
    }

    this.alarms = new ServiceAlarms(this, 'Alarms', { email: settings.alarmEmail });
    this.alarms.apiServerErrorRate(this.api.api);
    const namedFunctions: Array<readonly [string, ServiceFunction]> = [
      ...[...routeFunctions].map(([route, routeFunction]) => [functionIdOf(route), routeFunction] as const),
      ['ViewerFunction', this.viewerFunction],
    ];
    for (const [name, namedFunction] of namedFunctions) {
      this.alarms.functionHealth(namedFunction, name);
      this.alarms.durationNearTimeout(namedFunction, name);
    }
    this.alarms.cleanupHealth(this.cleanupFunction);
    this.alarms.durationNearTimeout(this.cleanupFunction, 'CleanupFunction');
    if (settings.viewerReservedConcurrency > 0)
      this.alarms.reservedConcurrency(
        this.viewerFunction,
        'ViewerFunction',
        settings.viewerReservedConcurrency,
      );
    this.alarms.accountConcurrency();
    this.alarms.tableThrottles(resources.table, TABLE_INDEX_NAMES);
    if (inUsEast1) {
      this.alarms.distributionServerErrorRate(this.viewer.distribution, 'ViewerCdn');
      this.alarms.distributionServerErrorRate(this.apiCdn.distribution, 'ApiCdn');
    } else {
      Annotations.of(this).addWarningV2(
        'imgpro:CloudFrontAlarms',
        'CloudFront publishes its metrics in us-east-1 only: the CloudFront 5xx alarms are created only ' +
          'when this stack is deployed there (the dashboard shows the rates wherever it is).',
      );
    }

    if (settings.cloudFrontLogs) {
      new CdnLogs(this, 'ViewerCdnLogs', { distribution: this.viewer.distribution, retention: logRetention });
      new CdnLogs(this, 'ApiCdnLogs', { distribution: this.apiCdn.distribution, retention: logRetention });
    }

    this.dashboardSite = new DashboardSite(this, 'DashboardSite', {
      distribution: this.viewer.distribution,
      apiUrl: this.apiCdn.url,
      // The page is on the viewer's origin ('self'); a custom domain's links are another origin.
      viewerUrl: viewerDomain && this.viewer.baseUrl,
      uploadOrigin: `https://${resources.originals.bucketRegionalDomainName}`,
    });

    this.dashboard = new ServiceDashboard(this, 'Dashboard', {
      functions: [...namedFunctions, ['CleanupFunction', this.cleanupFunction]],
      viewerFunction: this.viewerFunction,
      viewerDistribution: this.viewer.distribution,
      apiDistribution: this.apiCdn.distribution,
      apiAccessLogs: this.api.accessLogs,
      table: resources.table,
      tableIndexNames: TABLE_INDEX_NAMES,
      alarms: this.alarms.all,
    });

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('ApiUrl', this.apiCdn.url, 'Base URL of the API (POST /v1/upload, GET /v1/media, …)');
    output('DashboardUrl', `${this.viewer.baseUrl}/dashboard`, 'The web dashboard (sign in with an API key)');
    output('ViewerBaseUrl', this.viewer.baseUrl, 'Base of every media link (PUBLIC_BASE_URL)');
    output(
      'TableName',
      resources.table.tableName,
      'DynamoDB table (the admin CLI finds it here with --stack)',
    );
    output('BucketName', resources.originals.bucketName, 'S3 bucket of the originals');
    output(
      'DistributionId',
      this.viewer.distribution.distributionId,
      'CloudFront distribution of the viewer links',
    );
    output('AlarmTopicArn', this.alarms.topic.topicArn, 'SNS topic every alarm notifies');
    output('DashboardName', this.dashboard.dashboard.dashboardName, 'CloudWatch dashboard of the service');
    output(
      'UpgradeLinkSecretArn',
      resources.upgradeLinkSecret.secretArn,
      'Secrets Manager secret signing upgrade links',
    );
    if (viewerDomain) {
      output(
        'ViewerDnsTarget',
        this.viewer.distribution.distributionDomainName,
        `CNAME ${viewerDomain.name} to this`,
      );
    }
    if (apiDomain) {
      output(
        'ApiDnsTarget',
        this.apiCdn.distribution.distributionDomainName,
        `CNAME ${apiDomain.name} to this`,
      );
    }
  }
}
