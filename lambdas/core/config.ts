import { type PlanCatalogue, PlanOverrides, planCatalogue } from '#core/plans';
import * as z from '#core/zod-mini';

/**
 * Runtime configuration, parsed from the environment once per cold start. Nothing else reads
 * `process.env`: the CDK stack and the local runtime set these variables, and a missing or malformed
 * one fails the first invocation with a message naming it.
 */
const optionalUrl = z.optional(
  z.pipe(
    z.pipe(
      z.string().check(z.trim()),
      z.transform((value) => value || undefined),
    ),
    z.optional(z.url()),
  ),
);

const jsonText = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(
    z.pipe(
      z.string(),
      z.transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.issues.push({ code: 'custom', message: 'must be JSON', input: text });
          return z.NEVER;
        }
      }),
    ),
    schema,
  );

/** A whole number of something from a variable's text, within `[min, max]`. */
const wholeNumber = (min: number, max?: number) =>
  z.coerce.number().check(z.int(), z.minimum(min), ...(max === undefined ? [] : [z.maximum(max)]));

const ConfigSchema = z.object({
  TABLE_NAME: z.string().check(z.minLength(1)),
  BUCKET_NAME: z.string().check(z.minLength(1)),
  /**
   * Base of every media `link`: the CloudFront domain on AWS, the local runtime's URL locally. The
   * viewer may go without it (its URL is CloudFront's origin, so it cannot be told the distribution's
   * domain without a cycle) and then uses the host CloudFront forwards.
   */
  PUBLIC_BASE_URL: z.optional(
    z.pipe(
      z.url(),
      z.transform((url) => url.replace(/\/+$/, '')),
    ),
  ),
  /** Where the anonymous `upgrade` object sends people to get an API key. */
  SIGNUP_URL: optionalUrl,
  /**
   * The operator's billing page. Signed one-click upgrade links point to this service's `/upgrade`
   * page, which verifies them and then redirects here with the verified team and plan.
   */
  UPGRADE_URL: optionalUrl,
  /** How people reach the operator (an email address or a URL), shown where the service cannot help. */
  OPERATOR_CONTACT: z.optional(
    z.pipe(
      z.pipe(
        z.string().check(z.trim(), z.maxLength(200)),
        z.transform((value) => value || undefined),
      ),
      z.optional(z.union([z.email(), z.url()])),
    ),
  ),
  /** The service's name as people see it (og:site_name of viewer pages, page titles). */
  SITE_NAME: z._default(z.string().check(z.trim(), z.minLength(1), z.maxLength(80)), 'imgpro'),
  /** The API's own base URL, where registration lives (on AWS the API's distribution). */
  API_BASE_URL: z.optional(
    z.pipe(
      z.url(),
      z.transform((url) => url.replace(/\/+$/, '')),
    ),
  ),
  /**
   * Browser origins the API answers, comma-separated (`*`: any). API Gateway applies them on AWS;
   * only the full-size upload service, which it never sees, reads this.
   */
  CORS_ALLOW_ORIGINS: z._default(z.string().check(z.trim(), z.minLength(1)), '*'),
  /** Self-service keys (`POST /v1/keys`): closed unless the operator opens them. */
  REGISTRATION: z._default(z.enum(['open', 'closed']), 'closed'),
  /** Email domains registration is limited to, comma-separated (empty: any). */
  REGISTRATION_EMAIL_DOMAINS: z._default(
    z
      .string()
      .check(
        z.trim(),
        z.toLowerCase(),
        z.regex(/^([a-z0-9.-]+(,\s*[a-z0-9.-]+)*)?$/, 'must be a comma-separated list of domains'),
      ),
    '',
  ),
  /**
   * HMAC key of upgrade links (≥ 32 characters); the billing page verifies links with it. On AWS the
   * key stays in Secrets Manager and only its ARN is configured.
   */
  UPGRADE_LINK_SECRET: z.optional(z.string().check(z.minLength(32, 'must be at least 32 characters'))),
  UPGRADE_LINK_SECRET_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
  /**
   * The value CloudFront adds to every API request it forwards (lib/constructs/api-cdn.ts). When set,
   * the API refuses requests without it and takes the client's address from the edge. On AWS by ARN.
   */
  ORIGIN_SECRET: z.optional(z.string().check(z.minLength(32, 'must be at least 32 characters'))),
  ORIGIN_SECRET_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
  /** Set only by the local runtime and tests: endpoints of DynamoDB Local and s3rver. */
  DYNAMODB_ENDPOINT: optionalUrl,
  S3_ENDPOINT: optionalUrl,
  AWS_REGION: z._default(z.string().check(z.minLength(1)), 'us-east-1'),
  /** Days a deleted image's original is kept before the cleanup job purges it. */
  DELETED_RETENTION_DAYS: z._default(wholeNumber(0, 3650), 7),
  /** Plan numbers overriding the reference's, e.g. {"free":{"uploadsPerMonth":500}}. */
  PLANS: z._default(jsonText(PlanOverrides), {}),
  /** Lift the import address policy: for local development and tests only, never in production. */
  IMPORT_ALLOW_PRIVATE_NETWORKS: z._default(z.enum(['true', 'false']), 'false'),
  IMPORT_TIMEOUT_SECONDS: z._default(z.coerce.number().check(z.minimum(1), z.maximum(300)), 30),
  /** Ports an import URL may name: a comma-separated list, or * for any. */
  IMPORT_ALLOWED_PORTS: z._default(
    z.string().check(z.regex(/^(\*|\d{1,5}(,\d{1,5})*)$/, 'must be * or a comma-separated list of ports')),
    '80,443',
  ),
  /** CloudFront distribution whose cached variants the cleanup job invalidates (AWS only). */
  DISTRIBUTION_ID: z.optional(z.string().check(z.minLength(1))),
  /** Media the cleanup job handles per run at most; the rest waits for the next run. */
  CLEANUP_BATCH_SIZE: z._default(wholeNumber(1, 10_000), 500),
  /** Background removal model (optional; without one a classical method is used). */
  SEGMENT_MODEL_PATH: z.optional(z.string().check(z.minLength(1))),
  SEGMENT_MODEL_S3_URI: z.optional(
    z.string().check(z.regex(/^s3:\/\/[^/]+\/.+$/, 'must look like s3://bucket/key')),
  ),
  SEGMENT_MODEL_PROFILE: z.optional(z.enum(['u2net', 'isnet'])),
  SEGMENT_MODEL_SHA256: z.optional(z.string().check(z.regex(/^[0-9a-f]{64}$/i, 'must be a hex SHA-256'))),
  /**
   * Distinct variants (canonical queries) of one media the viewer renders for the first time per UTC
   * day; past it a new variant is refused with 429. 100 fits two `<picture>` sets of 3 formats × 10
   * widths (two crops) with room for named sizes and the page's unfurl image.
   */
  VIEWER_VARIANT_BUDGET: z._default(wholeNumber(1, 10_000), 100),
  ANON_RATE_LIMIT_HOURLY: z._default(wholeNumber(0), 20),
  ANON_RATE_LIMIT_DAILY: z._default(wholeNumber(0), 100),
});

/** Every variable the services read: what the local runtime passes on to functions it runs apart. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(ConfigSchema.shape);

export type Config = {
  tableName: string;
  bucketName: string;
  publicBaseUrl: string | undefined;
  signupUrl: string;
  /** Where signed upgrade links point: this service's `/upgrade` page. */
  upgradeUrl: string;
  /** The operator's billing page the `/upgrade` page sends a verified link on to. */
  billingUrl: string | undefined;
  operatorContact: string | undefined;
  siteName: string;
  apiBaseUrl: string | undefined;
  corsAllowOrigins: readonly string[];
  registration: { open: boolean; emailDomains: readonly string[] };
  upgradeLinkSecret: { value: string } | { arn: string } | undefined;
  originSecret: { value: string } | { arn: string } | undefined;
  dynamoDbEndpoint: string | undefined;
  s3Endpoint: string | undefined;
  region: string;
  deletedRetentionSeconds: number;
  plans: PlanCatalogue;
  anonymousRateLimits: { hourly: number; daily: number };
  imports: {
    allowPrivateNetworks: boolean;
    timeoutMs: number;
    allowedPorts: ReadonlySet<number> | undefined;
  };
  distributionId: string | undefined;
  cleanupBatchSize: number;
  viewerVariantBudget: number;
  segmentModel: {
    path: string | undefined;
    s3: { bucket: string; key: string } | undefined;
    profile: 'u2net' | 'isnet' | undefined;
    sha256: string | undefined;
  };
};

export const parseConfig = (env: NodeJS.ProcessEnv): Config => {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  }
  const value = parsed.data;
  return {
    tableName: value.TABLE_NAME,
    bucketName: value.BUCKET_NAME,
    publicBaseUrl: value.PUBLIC_BASE_URL,
    // Anonymous uploaders are sent where a key can be had: the operator's sign-up page, else
    // registration when it is open, else the page that says how to reach the operator.
    signupUrl:
      value.SIGNUP_URL ??
      (value.REGISTRATION === 'open'
        ? `${value.API_BASE_URL ?? value.PUBLIC_BASE_URL ?? ''}/v1/keys`
        : `${value.PUBLIC_BASE_URL ?? ''}/upgrade`),
    upgradeUrl: `${value.PUBLIC_BASE_URL ?? ''}/upgrade`,
    billingUrl: value.UPGRADE_URL,
    operatorContact: value.OPERATOR_CONTACT,
    siteName: value.SITE_NAME,
    apiBaseUrl: value.API_BASE_URL,
    corsAllowOrigins: value.CORS_ALLOW_ORIGINS.split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    registration: {
      open: value.REGISTRATION === 'open',
      emailDomains: value.REGISTRATION_EMAIL_DOMAINS.split(',')
        .map((domain) => domain.trim())
        .filter(Boolean),
    },
    upgradeLinkSecret: secretSetting(value.UPGRADE_LINK_SECRET, value.UPGRADE_LINK_SECRET_ARN),
    originSecret: secretSetting(value.ORIGIN_SECRET, value.ORIGIN_SECRET_ARN),
    dynamoDbEndpoint: value.DYNAMODB_ENDPOINT,
    s3Endpoint: value.S3_ENDPOINT,
    region: value.AWS_REGION,
    deletedRetentionSeconds: value.DELETED_RETENTION_DAYS * 86_400,
    plans: planCatalogue(value.PLANS),
    anonymousRateLimits: { hourly: value.ANON_RATE_LIMIT_HOURLY, daily: value.ANON_RATE_LIMIT_DAILY },
    distributionId: value.DISTRIBUTION_ID,
    segmentModel: {
      path: value.SEGMENT_MODEL_PATH,
      s3: s3Location(value.SEGMENT_MODEL_S3_URI),
      profile: value.SEGMENT_MODEL_PROFILE,
      sha256: value.SEGMENT_MODEL_SHA256?.toLowerCase(),
    },
    cleanupBatchSize: value.CLEANUP_BATCH_SIZE,
    viewerVariantBudget: value.VIEWER_VARIANT_BUDGET,
    imports: {
      allowPrivateNetworks: value.IMPORT_ALLOW_PRIVATE_NETWORKS === 'true',
      timeoutMs: value.IMPORT_TIMEOUT_SECONDS * 1000,
      allowedPorts:
        value.IMPORT_ALLOWED_PORTS === '*'
          ? undefined
          : new Set(value.IMPORT_ALLOWED_PORTS.split(',').map(Number)),
    },
  };
};

/** A secret given as its value (locally) or by the ARN of a Secrets Manager secret (on AWS). */
const secretSetting = (value: string | undefined, arn: string | undefined) =>
  value ? { value } : arn ? { arn } : undefined;

const s3Location = (uri: string | undefined) => {
  const match = uri ? /^s3:\/\/([^/]+)\/(.+)$/.exec(uri) : null;
  return match?.[1] && match[2] ? { bucket: match[1], key: match[2] } : undefined;
};

/** The links' base, for the functions that write links (every API function has it configured). */
export const publicBaseUrlOf = (settings: Pick<Config, 'publicBaseUrl'>): string => {
  if (!settings.publicBaseUrl) throw new Error('Invalid configuration: PUBLIC_BASE_URL is required');
  return settings.publicBaseUrl;
};
