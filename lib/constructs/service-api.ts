import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_CORS } from '../../lambdas/core/http/cors-contract.ts';
import type { RouteDefinition } from '../../lambdas/http/routes.ts';

export interface ServiceApiProps {
  /** Browser origins allowed to call the API (bearer keys, never cookies, so `*` is safe). */
  readonly corsAllowOrigins: string[];
  /** Steady-state requests per second across the API, and the burst allowed above it. */
  readonly rateLimit: number;
  readonly burstLimit: number;
  readonly logRetention: RetentionDays;
}

/**
 * The HTTP API (API Gateway v2, payload format 2.0): one route per `ROUTES` row, each integrated with
 * its own function, a throttled `$default` stage with JSON access logs, and CORS for browser clients.
 *
 * Clients reach it through CloudFront (ApiCdn), never at its execute-api URL: Lambda takes 6 MB and
 * API Gateway base64-encodes binary bodies, so a body over about 4.5 MB never reaches a function, and API Gateway's own answer
 * to it cannot be customised, so the edge answers it first in the API's error shape. Files up to the
 * plan limits go straight to S3 with the presigned `POST /v1/uploads` flow; the bucket's CORS rule
 * lets browsers do that.
 */
export class ServiceApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  /** One JSON line per request (the dashboard counts stored media from it). */
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: ServiceApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'HttpApi', {
      description: 'imgpro API (img.pro compatible)',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: props.corsAllowOrigins,
        // Shared with the local gateway (local/cors.ts), so both answer alike.
        allowMethods: API_CORS.allowMethods.map((method) => CorsHttpMethod[method]),
        allowHeaders: [...API_CORS.allowHeaders],
        exposeHeaders: [...API_CORS.exposeHeaders],
        maxAge: Duration.seconds(API_CORS.maxAgeSeconds),
      },
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.accessLogs = accessLogs;
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit, burstLimit: props.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // Never the Authorization header or the query string: both can carry secrets.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            time: '$context.requestTimeEpoch',
            route: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationStatus: '$context.integrationStatus',
            error: '$context.error.message',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
  }

  /** `METHOD path` → the route's own function. */
  addRoute(route: RouteDefinition, fn: IFunction): void {
    this.api.addRoutes({
      path: route.path,
      methods: [HttpMethod[route.method]],
      integration: new HttpLambdaIntegration(`${fn.node.id}Integration`, fn),
    });
  }
}
