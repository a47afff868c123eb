import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stage } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  type Distribution,
  Function as EdgeFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { DASHBOARD_PATH, dashboardCsp, writeDashboardSync } from '../../dashboard/build.ts';

export interface DashboardSiteProps {
  /** The viewer distribution: the dashboard is served under its `/dashboard` path. */
  readonly distribution: Distribution;
  /** The API's base URL, which the page calls (written to its config.json). */
  readonly apiUrl: string;
  /**
   * The viewer's custom-domain base URL, when there is one (media links use it; the page may be
   * opened on the distribution's own domain). Never the distribution's domain: the CSP is part of
   * the distribution, which would then depend on itself.
   */
  readonly viewerUrl?: string | undefined;
  /** Where presigned upload forms are POSTed (the originals bucket's regional endpoint). */
  readonly uploadOrigin: string;
}

/**
 * The dashboard's static files in a private bucket, read by the viewer distribution alone (Origin
 * Access Control), under `/dashboard` on the viewer's origin: no server of its own. The page
 * calls the API's origin, whose CORS admits it (`corsAllowOrigins`, `*` by default).
 */
export class DashboardSite extends Construct {
  readonly bucket: Bucket;
  readonly responseHeadersPolicy: ResponseHeadersPolicy;

  constructor(scope: Construct, id: string, props: DashboardSiteProps) {
    super(scope, id);

    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Rebuilt on every deploy: nothing here is data. The deployment empties it before deletion.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // `/dashboard` and `/dashboard/` are the page; S3 has no index document behind OAC.
    const index = new EdgeFunction(this, 'Index', {
      comment: 'imgpro dashboard: /dashboard is its index.html',
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(
        `function handler(event) { var r = event.request; if (r.uri === '${DASHBOARD_PATH}' || r.uri === '${DASHBOARD_PATH}/') r.uri = '${DASHBOARD_PATH}/index.html'; return r; }`,
      ),
    });

    this.responseHeadersPolicy = new ResponseHeadersPolicy(this, 'Headers', {
      comment: 'imgpro dashboard: strict CSP (its own files; the API, the viewer and uploads to connect)',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: dashboardCsp(
            [props.apiUrl, props.uploadOrigin, ...(props.viewerUrl ? [props.viewerUrl] : [])],
            props.viewerUrl ? [props.viewerUrl] : [],
          ),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), override: true },
      },
    });

    const origin = S3BucketOrigin.withOriginAccessControl(this.bucket);
    const behavior = {
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: CachePolicy.CACHING_OPTIMIZED,
      responseHeadersPolicy: this.responseHeadersPolicy,
      compress: true,
      functionAssociations: [{ function: index, eventType: FunctionEventType.VIEWER_REQUEST }],
    };
    props.distribution.addBehavior(DASHBOARD_PATH, origin, behavior);
    props.distribution.addBehavior(`${DASHBOARD_PATH}/*`, origin, behavior);

    // Built at synth time (the asset's hash follows the files) inside the cloud assembly, in one
    // directory per construct that each synth empties and rewrites: it goes when the assembly does
    // and never piles up, in cdk.out or in the system's tmp.
    const built = join(Stage.of(this)?.outdir ?? tmpdir(), `dashboard-build-${this.node.addr}`);
    rmSync(built, { recursive: true, force: true });
    mkdirSync(built, { recursive: true });
    writeDashboardSync(built);
    new BucketDeployment(this, 'Files', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: `${DASHBOARD_PATH.slice(1)}/`,
      sources: [Source.asset(built), Source.jsonData('config.json', { api: props.apiUrl })],
      // A deploy shows the new page at once (the cache keeps files until invalidated).
      distribution: props.distribution,
      distributionPaths: [DASHBOARD_PATH, `${DASHBOARD_PATH}/*`],
      retainOnDelete: false,
      memoryLimit: 256,
    });
  }
}
