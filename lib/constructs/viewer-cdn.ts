import { Duration } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CacheCookieBehavior,
  CachedMethods,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Distribution,
  Function as EdgeFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  OriginRequestCookieBehavior,
  OriginRequestHeaderBehavior,
  OriginRequestPolicy,
  OriginRequestQueryStringBehavior,
  type PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { FunctionUrlOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { type FunctionUrl, FunctionUrlAuthType, type IFunction, InvokeMode } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { buildViewerRequestCode } from '../edge/build.ts';
import { ACCEPT_CLASS_HEADER, FORWARDED_HOST_HEADER } from '../edge/viewer-request.ts';
import { type CustomDomain, distributionDefaults } from './distribution-defaults.ts';

export interface ViewerCdnProps {
  /** The viewer origin: a streaming handler for a function URL. */
  readonly origin: IFunction;
  /** How long CloudFront waits for the origin's first byte (a transform happens before it). */
  readonly originReadTimeout: Duration;
  readonly priceClass: PriceClass;
  /**
   * A custom domain for the viewer links, with an ACM certificate from us-east-1.
   * @default - the distribution's cloudfront.net domain
   */
  readonly domain?: CustomDomain;
  /**
   * An AWS WAF web ACL (CLOUDFRONT scope) to attach, by ARN.
   * @default - none
   */
  readonly webAclArn?: string | undefined;
  /**
   * Origin Shield in this region: one more cache layer before the origin, so a variant is rendered
   * once for all edge locations rather than once per regional edge cache.
   * @default - none
   */
  readonly originShieldRegion?: string | undefined;
}

/**
 * The viewer links: CloudFront in front of the viewer function's URL. The URL takes only SigV4-signed
 * requests (`AWS_IAM`), and only this distribution may sign them (Origin Access Control, with invoke
 * permissions conditioned on the distribution's ARN), so there is no way around the cache.
 *
 * The cache key is the canonical query string plus the accept class, both produced at the edge by the
 * viewer-request function; the origin receives exactly those, plus the host the viewer asked for.
 */
export class ViewerCdn extends Construct {
  readonly functionUrl: FunctionUrl;
  readonly distribution: Distribution;
  readonly viewerRequest: EdgeFunction;
  /** Base of every media `link`: the custom domain when there is one. */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: ViewerCdnProps) {
    super(scope, id);

    // Response streaming lifts the 6 MB buffered-response limit to 200 MB.
    this.functionUrl = props.origin.addFunctionUrl({
      authType: FunctionUrlAuthType.AWS_IAM,
      invokeMode: InvokeMode.RESPONSE_STREAM,
    });

    this.viewerRequest = new EdgeFunction(this, 'ViewerRequest', {
      comment: 'imgpro: canonical query string, accept class and host for the viewer cache',
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(buildViewerRequestCode()),
    });

    const cachePolicy = new CachePolicy(this, 'CachePolicy', {
      comment:
        'imgpro viewer: canonical query string and accept class (image class for format=auto), set at the edge',
      queryStringBehavior: CacheQueryStringBehavior.all(),
      headerBehavior: CacheHeaderBehavior.allowList(ACCEPT_CLASS_HEADER),
      cookieBehavior: CacheCookieBehavior.none(),
      // The origin's Cache-Control decides (a day at most, never past the media's expiry).
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.days(1),
      maxTtl: Duration.days(365),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });

    // Everything in the cache key reaches the origin anyway. Beyond it: `Accept`, which the origin
    // maps with the same `acceptClass` as the edge (so it cannot vary a response beyond the class in
    // the key), and the viewer's host for absolute links in the HTML page. Never `Host` itself: the
    // function URL routes on it and OAC signs it.
    const originRequestPolicy = new OriginRequestPolicy(this, 'OriginRequestPolicy', {
      comment: 'imgpro viewer: Accept and the viewer host, nothing else beyond the cache key',
      queryStringBehavior: OriginRequestQueryStringBehavior.none(),
      headerBehavior: OriginRequestHeaderBehavior.allowList('accept', FORWARDED_HOST_HEADER),
      cookieBehavior: OriginRequestCookieBehavior.none(),
    });

    // The managed SECURITY_HEADERS policy's headers, plus CORS and resource timing for any site:
    // images are public, and fetch(), <canvas> and WebGL on another origin need CORS. Set here as
    // well as by the origin so images cached before the origin sent them carry them too. The origin's
    // own headers win (override off): the page keeps its CSP, frame and referrer policy. A
    // cross-origin read of the page itself is allowed too, which shows no more than a plain GET:
    // the page is public and `*` never admits credentials.
    const responseHeadersPolicy = new ResponseHeadersPolicy(this, 'ResponseHeadersPolicy', {
      comment: 'imgpro viewer: security headers; CORS and Timing-Allow-Origin for any site',
      securityHeadersBehavior: {
        contentTypeOptions: { override: false },
        frameOptions: { frameOption: HeadersFrameOption.SAMEORIGIN, override: false },
        referrerPolicy: {
          referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: false,
        },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), override: false },
        xssProtection: { protection: true, modeBlock: true, override: false },
      },
      corsBehavior: {
        accessControlAllowCredentials: false,
        accessControlAllowHeaders: ['*'],
        accessControlAllowMethods: ['GET', 'HEAD'],
        accessControlAllowOrigins: ['*'],
        originOverride: false,
      },
      customHeadersBehavior: {
        customHeaders: [{ header: 'Timing-Allow-Origin', value: '*', override: false }],
      },
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'imgpro viewer links',
      defaultBehavior: {
        origin: FunctionUrlOrigin.withOriginAccessControl(this.functionUrl, {
          readTimeout: props.originReadTimeout,
          ...(props.originShieldRegion && { originShieldRegion: props.originShieldRegion }),
        }),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachedMethods: CachedMethods.CACHE_GET_HEAD,
        cachePolicy,
        originRequestPolicy,
        responseHeadersPolicy,
        compress: true,
        functionAssociations: [{ function: this.viewerRequest, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      ...distributionDefaults(this, props),
    });

    this.baseUrl = `https://${props.domain?.name ?? this.distribution.distributionDomainName}`;
  }
}
