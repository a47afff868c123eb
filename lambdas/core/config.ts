import { z } from 'zod';
import { type PlanCatalogue, PlanOverrides, planCatalogue } from '#core/plans';

/**
 * Runtime configuration, parsed from the environment once per cold start. Nothing else reads
 * `process.env`: the CDK stack and the local runtime set these variables, and a missing or malformed
 * one fails the first invocation with a message naming it.
 */
const optionalUrl = z
  .string()
  .trim()
  .transform((value) => value || undefined)
  .pipe(z.url().optional())
  .optional();

const jsonText = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

const ConfigSchema = z.object({
  TABLE_NAME: z.string().min(1),
  BUCKET_NAME: z.string().min(1),
  /**
   * Base of every media `link`: the CloudFront domain on AWS, the local runtime's URL locally. The
   * viewer may go without it (its URL is CloudFront's origin, so it cannot be told the distribution's
   * domain without a cycle) and then uses the host CloudFront forwards.
   */
  PUBLIC_BASE_URL: z
    .url()
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  /** Where the anonymous `upgrade` object sends people to get an API key. */
  SIGNUP_URL: optionalUrl,
  /**
   * The operator's billing page. Signed one-click upgrade links point to this service's `/upgrade`
   * page, which verifies them and then redirects here with the verified team and plan.
   */
  UPGRADE_URL: optionalUrl,
  /** How people reach the operator (an email address or a URL), shown where the service cannot help. */
  OPERATOR_CONTACT: z
    .string()
    .trim()
    .max(200)
    .transform((value) => value || undefined)
    .pipe(z.union([z.email(), z.url()]).optional())
    .optional(),
  /** The service's name as people see it (og:site_name of viewer pages, page titles). */
  SITE_NAME: z.string().trim().min(1).max(80).default('imgpro'),
  /** The API's own base URL, where registration lives (on AWS the API's distribution). */
  API_BASE_URL: z
    .url()
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  /** Self-service keys (`POST /v1/keys`): closed unless the operator opens them. */
  REGISTRATION: z.enum(['open', 'closed']).default('closed'),
  /** Email domains registration is limited to, comma-separated (empty: any). */
  REGISTRATION_EMAIL_DOMAINS: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^([a-z0-9.-]+(,\s*[a-z0-9.-]+)*)?$/, 'must be a comma-separated list of domains')
    .default(''),
  /**
   * HMAC key of upgrade links (≥ 32 characters); the billing page verifies links with it. On AWS the
   * key stays in Secrets Manager and only its ARN is configured.
   */
  UPGRADE_LINK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  UPGRADE_LINK_SECRET_ARN: z.string().startsWith('arn:').optional(),
  /**
   * The value CloudFront adds to every API request it forwards (lib/constructs/api-cdn.ts). When set,
   * the API refuses requests without it and takes the client's address from the edge. On AWS by ARN.
   */
  ORIGIN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  ORIGIN_SECRET_ARN: z.string().startsWith('arn:').optional(),
  /** Set only by the local runtime and tests: endpoints of DynamoDB Local and s3rver. */
  DYNAMODB_ENDPOINT: optionalUrl,
  S3_ENDPOINT: optionalUrl,
  AWS_REGION: z.string().min(1).default('us-east-1'),
  /** Days a deleted image's original is kept before the cleanup job purges it. */
  DELETED_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(7),
  /** Plan numbers overriding the reference's, e.g. {"free":{"uploadsPerMonth":500}}. */
  PLANS: jsonText(PlanOverrides).default({}),
  /** Lift the import address policy: for local development and tests only, never in production. */
  IMPORT_ALLOW_PRIVATE_NETWORKS: z.enum(['true', 'false']).default('false'),
  IMPORT_TIMEOUT_SECONDS: z.coerce.number().min(1).max(300).default(30),
  /** Ports an import URL may name: a comma-separated list, or * for any. */
  IMPORT_ALLOWED_PORTS: z
    .string()
    .regex(/^(\*|\d{1,5}(,\d{1,5})*)$/, 'must be * or a comma-separated list of ports')
    .default('80,443'),
  /** CloudFront distribution whose cached variants the cleanup job invalidates (AWS only). */
  DISTRIBUTION_ID: z.string().min(1).optional(),
  /** Media the cleanup job handles per run at most; the rest waits for the next run. */
  CLEANUP_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  /** Background removal model (optional; without one a classical method is used). */
  SEGMENT_MODEL_PATH: z.string().min(1).optional(),
  SEGMENT_MODEL_S3_URI: z
    .string()
    .regex(/^s3:\/\/[^/]+\/.+$/, 'must look like s3://bucket/key')
    .optional(),
  SEGMENT_MODEL_PROFILE: z.enum(['u2net', 'isnet']).optional(),
  SEGMENT_MODEL_SHA256: z
    .string()
    .regex(/^[0-9a-f]{64}$/i, 'must be a hex SHA-256')
    .optional(),
  /**
   * Distinct variants (canonical queries) of one media the viewer renders for the first time per UTC
   * day; past it a new variant is refused with 429. 100 fits two `<picture>` sets of 3 formats × 10
   * widths (two crops) with room for named sizes and the page's unfurl image.
   */
  VIEWER_VARIANT_BUDGET: z.coerce.number().int().min(1).max(10_000).default(100),
  ANON_RATE_LIMIT_HOURLY: z.coerce.number().int().min(0).default(20),
  ANON_RATE_LIMIT_DAILY: z.coerce.number().int().min(0).default(100),
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
