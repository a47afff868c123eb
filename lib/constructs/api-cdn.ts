import { Duration, Fn } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as EdgeFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  type IOrigin,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  type PriceClass,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ORIGIN_SECRET_HEADER } from '../../lambdas/core/http/edge-contract.ts';
import { DOCS_SCRIPT_PATH } from '../../lambdas/http/routes.ts';
import { buildApiRequestCode } from '../edge/build.ts';
import { type CustomDomain, distributionDefaults } from './distribution-defaults.ts';

/** The behavior that holds the full-size upload origin in the distribution (no route of the API). */
export const LARGE_UPLOADS_PATH = '/_large-uploads/*';

export interface ApiCdnProps {
  readonly api: HttpApi;
  readonly priceClass: PriceClass;
  /**
   * A custom domain for the API, with an ACM certificate from us-east-1.
   * @default - the distribution's cloudfront.net domain
   */
  readonly domain?: CustomDomain;
  /**
   * The full-size upload path (decision 0001), which its function sends large uploads to.
   * @default - none: bodies over Lambda's limit get the 413
   */
  readonly largeUploads?: (originHeaders: Record<string, string>) => IOrigin;
  /**
   * An AWS WAF web ACL (CLOUDFRONT scope) to attach, by ARN.
   * @default - none
   */
  readonly webAclArn?: string | undefined;
}

/**
 * The API's front door: CloudFront before the HTTP API, caching nothing, so that what API Gateway
 * cannot do is done at the edge. Its function answers a body too large for Lambda with the API's
 * own 413 (pointing to `POST /v1/uploads`) and passes on the client's address. CloudFront adds a
 * secret header to every request it forwards; the functions refuse requests without it, so the
 * execute-api URL leads nowhere and no client can claim another's address.
 */
export class ApiCdn extends Construct {
  readonly distribution: Distribution;
  readonly apiRequest: EdgeFunction;
  /** Proves a request came through this distribution; functions read it by ARN. */
  readonly originSecret: Secret;
  /** The base URL clients call: the custom domain when there is one. */
  readonly url: string;
  /** The full-size upload origin, when there is one. */
  readonly largeUploadsOrigin?: IOrigin;

  constructor(scope: Construct, id: string, props: ApiCdnProps) {
    super(scope, id);

    this.originSecret = new Secret(this, 'OriginSecret', {
      description: 'imgpro: the header value CloudFront adds to every API request it forwards',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });

    this.apiRequest = new EdgeFunction(this, 'ApiRequest', {
      comment: 'imgpro API: 413 for bodies Lambda cannot take, and the client address',
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(
        buildApiRequestCode({ fullSizeUploads: props.largeUploads !== undefined }),
      ),
    });
    // Resolved by CloudFormation at deploy time: the template holds a reference, not the value.
    const originHeaders = { [ORIGIN_SECRET_HEADER]: this.originSecret.secretValue.unsafeUnwrap() };

    // https://{api-id}.execute-api.{region}.amazonaws.com → its host name.
    const apiHost = Fn.select(2, Fn.split('/', props.api.apiEndpoint));
    const origin = new HttpOrigin(apiHost, {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      // API Gateway gives an integration 30 s; CloudFront waits as long.
      readTimeout: Duration.seconds(30),
      customHeaders: originHeaders,
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'imgpro API',
      defaultBehavior: {
        origin,
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        // Every answer depends on the key, the body or the moment: nothing is cached.
        cachePolicy: CachePolicy.CACHING_DISABLED,
        // Everything the client sent (Authorization included, since nothing is cached), except Host:
        // API Gateway routes on its own.
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        functionAssociations: [{ function: this.apiRequest, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        // The docs page's script (1.4 MB) is the same for everyone until a deploy: cached at the edge
        // for as long as its cache-control says, per encoding, without a call to the API.
        [DOCS_SCRIPT_PATH]: {
          origin,
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
          cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        },
      },
      ...distributionDefaults(this, props),
    });

    if (props.largeUploads) {
      // A distribution holds only the origins its behaviors name, and the function chooses among
      // those: this behavior puts the full-size upload origin in. Its path is no route of the API
      // (the service answers 404 to all but POST /v1/upload); the same function runs before it.
      this.largeUploadsOrigin = props.largeUploads(originHeaders);
      this.distribution.addBehavior(LARGE_UPLOADS_PATH, this.largeUploadsOrigin, {
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        functionAssociations: [{ function: this.apiRequest, eventType: FunctionEventType.VIEWER_REQUEST }],
      });
    }

    this.url = `https://${props.domain?.name ?? this.distribution.distributionDomainName}`;
  }
}
