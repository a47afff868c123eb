import type { Node } from 'constructs';
import * as z from 'zod';

/**
 * Deployment settings, read once from CDK context (`cdk.json` or `-c key=value`) and validated, so a
 * typo fails `cdk synth` with the key's name instead of deploying something half-configured. Every
 * key is optional: `npx cdk deploy --all` with no context gives a working service on the
 * CloudFront and API Gateway domains.
 */
const optionalText = z
  .string()
  .trim()
  .transform((value) => value || undefined)
  .optional();
const optionalUrl = optionalText.pipe(z.url().optional());
const domainName = optionalText.pipe(
  z
    .string()
    .regex(/^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/, 'must be a lower-case domain name')
    .optional(),
);
const acmCertificateArn = optionalText.pipe(
  z
    .string()
    .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/, 'must be an ACM certificate ARN')
    .optional(),
);
/** Context given on the command line is always a string; in cdk.json it may be a number. */
const whole = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A list, given as a JSON array in cdk.json or as a comma-separated string with `-c`. */
const list = z.union([
  z.array(z.string()),
  z.string().transform((text) =>
    text
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  ),
]);

/** On or off: a boolean in cdk.json, `true`/`false` with `-c`. */
const flag = z
  .union([z.boolean(), z.enum(['true', 'false']).transform((text) => text === 'true')])
  .default(false);

/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 3653];

/** CloudFront takes certificates from us-east-1 only, whatever the stack's region. */
const cloudFrontCertificateArn = acmCertificateArn.refine(
  (arn) => arn === undefined || arn.includes(':us-east-1:'),
  { message: 'CloudFront needs a certificate from us-east-1' },
);

const SettingsSchema = z
  .object({
    /** Custom domain of the viewer links, e.g. `i.example.com`; needs `viewerCertificateArn`. */
    viewerDomain: domainName,
    /** ACM certificate for `viewerDomain`; CloudFront requires it to be in us-east-1. */
    viewerCertificateArn: cloudFrontCertificateArn,
    /** Custom domain of the API, e.g. `api.example.com`; needs `apiCertificateArn`. */
    apiDomain: domainName,
    /** ACM certificate for `apiDomain`, in us-east-1 (the API is served through CloudFront). */
    apiCertificateArn: cloudFrontCertificateArn,
    /** Where anonymous uploaders are sent to get an API key (`SIGNUP_URL`). */
    signupUrl: optionalUrl,
    /** The operator's billing page the `/upgrade` page sends verified upgrade links to (`UPGRADE_URL`). */
    upgradeUrl: optionalUrl,
    /** Self-service keys at `POST /v1/keys` (`REGISTRATION`): closed unless opened here. */
    registration: z.enum(['open', 'closed']).default('closed'),
    /** Email domains registration is limited to, comma-separated (`REGISTRATION_EMAIL_DOMAINS`). */
    registrationEmailDomains: optionalText,
    /** How people reach the operator, an email or a URL (`OPERATOR_CONTACT`). */
    operatorContact: optionalText,
    /** The service's name on its pages (`SITE_NAME`). */
    siteName: optionalText,
    /** Plan overrides as JSON, e.g. `{"free":{"uploadsPerMonth":500}}` (`PLANS`); checked by the functions. */
    plans: z
      .union([z.record(z.string(), z.unknown()).transform((value) => JSON.stringify(value)), optionalText])
      .optional(),
    /**
     * Distinct variants of one image the viewer renders for the first time per UTC day
     * (`VIEWER_VARIANT_BUDGET`); past it a new variant gets 429. Fits two `<picture>` sets of
     * 3 formats × 10 widths with room to spare (README, "Operating it safely").
     */
    viewerVariantBudget: whole(1, 10_000).default(100),
    anonRateLimitHourly: whole(0, 1_000_000).optional(),
    anonRateLimitDaily: whole(0, 10_000_000).optional(),
    /** Days a deleted image's original is kept before the cleanup job purges it. */
    deletedRetentionDays: whole(0, 3650).default(7),
    /** Powertools log level of every function. */
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT']).default('INFO'),
    logRetentionDays: whole(1, 3653)
      .refine((days) => LOG_RETENTION_DAYS.includes(days), {
        message: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
      })
      .default(30),
    /** Who gets the alarm notifications (an SNS email subscription, confirmed by mail). */
    alarmEmail: optionalText.pipe(z.email().optional()),
    /** Browser origins allowed to call the API and to POST presigned uploads to the bucket. */
    corsAllowOrigins: list.default(['*']),
    /** Steady-state requests per second the API accepts, and the burst above it. */
    apiRateLimit: whole(1, 100_000).default(50),
    apiBurstLimit: whole(1, 100_000).default(100),
    /** CloudFront price class: 100 (North America, Europe), 200 (+ Asia, Middle East, Africa), All. */
    priceClass: z.enum(['100', '200', 'All']).default('100'),
    /**
     * Concurrent executions reserved for the viewer function: its ceiling (a crawl of distinct variants
     * cannot render more at once, nor cost more per second) and the floor the API keeps, since the
     * viewer can never take more of the account than this. 0 reserves nothing (the default, which
     * deploys on any account: Lambda refuses a reservation that leaves less than 100 unreserved, and a
     * new account may have a limit of 10). See README "Operating it safely".
     */
    viewerReservedConcurrency: whole(0, 10_000).default(0),
    /**
     * An AWS WAF web ACL for both distributions (scope CLOUDFRONT, so created in us-east-1), by ARN.
     */
    webAclArn: optionalText.pipe(
      z
        .string()
        .regex(
          /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]+\/[0-9a-f-]+$/,
          'must be the ARN of a CLOUDFRONT-scoped WAFv2 web ACL (global, us-east-1)',
        )
        .optional(),
    ),
    /** CloudFront Origin Shield for the viewer origin, in this region (e.g. the stack's). */
    originShieldRegion: optionalText.pipe(
      z
        .string()
        .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region, e.g. eu-west-1')
        .optional(),
    ),
    /**
     * CloudFront standard logs (v2) of both distributions into CloudWatch Logs. CloudFront delivers
     * them in us-east-1 only, so the stateless stack must be deployed there.
     */
    cloudFrontLogs: flag,
    /**
     * `POST /v1/upload` at the contract's full sizes (20 MB anonymous, 70 MB with a key) through an
     * ECS service on Fargate chosen at the edge for bodies over Lambda's 4 MiB; off, those get the
     * 413 pointing to the direct upload. Off by default: about $50 a month more while idle, and a VPC
     * (docs/decisions/0001-full-size-uploads.md).
     */
    fullSizeUploads: flag,
    /**
     * A background-removal model the operator uploaded to the originals bucket, e.g.
     * `models/u2netp.onnx` (`SEGMENT_MODEL_S3_URI` of the viewer, which may already read the bucket).
     */
    segmentModelKey: optionalText.pipe(
      z
        .string()
        .regex(
          /^(?!originals\/|incoming\/|\/)(?!.*\.\.)[\w./-]+\.onnx$/,
          'must be an .onnx key outside originals/ and incoming/',
        )
        .optional(),
    ),
    /** How the model wants its input (`SEGMENT_MODEL_PROFILE`). */
    segmentModelProfile: z.enum(['u2net', 'isnet']).optional(),
    /** The model file's SHA-256, checked when it loads (`SEGMENT_MODEL_SHA256`). */
    segmentModelSha256: optionalText.pipe(
      z
        .string()
        .regex(/^[0-9a-f]{64}$/i, 'must be a hex SHA-256')
        .optional(),
    ),
  })
  .refine((value) => !value.viewerDomain === !value.viewerCertificateArn, {
    message: 'viewerDomain and viewerCertificateArn go together',
    path: ['viewerDomain'],
  })
  .refine((value) => !value.apiDomain === !value.apiCertificateArn, {
    message: 'apiDomain and apiCertificateArn go together',
    path: ['apiDomain'],
  });

export type Settings = z.infer<typeof SettingsSchema>;

export const SETTING_KEYS = Object.keys(SettingsSchema.shape) as (keyof Settings)[];

/** The settings as given in context; throws one error naming every invalid key. */
export const parseSettings = (context: Record<string, unknown>): Settings => {
  const parsed = SettingsSchema.safeParse(context);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'context'}: ${issue.message}`,
    );
    throw new Error(`Invalid CDK context: ${problems.join('; ')}`);
  }
  return parsed.data;
};

/** Reads the known keys from a construct tree's context. */
export const settingsFromContext = (node: Node): Settings =>
  parseSettings(Object.fromEntries(SETTING_KEYS.map((key) => [key, node.tryGetContext(key)])));
