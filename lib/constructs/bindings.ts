import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { VARIANT_RECORD_PREFIX } from '../../lambdas/core/store/keys.ts';
import { INCOMING_PREFIX, ORIGINALS_PREFIX, VARIANTS_PREFIX } from '../../lambdas/core/store/object-keys.ts';
import type { RouteAccess, TableAction } from '../../lambdas/http/routes.ts';

/**
 * The only places a function's environment names a resource: each helper sets the
 * variable `lambdas/core/config.ts` reads and grants exactly the access that goes with it, so a name
 * and its permission cannot drift apart.
 */

/**
 * What a binding configures: a function, or the full-size upload service's container and task role
 * (`large-uploads.ts`), which run the same modules and so read the same names.
 */
export type BindingTarget = IGrantable & { addEnvironment(name: string, value: string): unknown };

export type ObjectOperation = NonNullable<RouteAccess['originals']>[number];

/**
 * `TABLE_NAME`, with exactly the declared data-plane actions on the table; `Query` also on its
 * indexes (listing, the cleanup job's due items), nothing else there. With no actions, the name
 * alone (see `bindAccess`).
 */
const bindTable = (fn: BindingTarget, table: ITableV2, actions: readonly TableAction[]): void => {
  fn.addEnvironment('TABLE_NAME', table.tableName);
  const onTable = actions.filter((action) => action !== 'Query');
  if (onTable.length > 0) {
    Grant.addToPrincipal({
      grantee: fn,
      actions: onTable.map((action) => `dynamodb:${action}`),
      resourceArns: [table.tableArn],
    });
  }
  if (actions.includes('Query')) {
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['dynamodb:Query'],
      resourceArns: [table.tableArn, `${table.tableArn}/index/*`],
    });
  }
};

/**
 * Object-level actions per operation, exact rather than the bucket's wildcard grants: `delete` is
 * `s3:DeleteObject` only (a delete marker on the versioned bucket), never `s3:DeleteObjectVersion`,
 * so no function can destroy the versions that keep a deletion recoverable for a month.
 * `read` includes `s3:ListBucket` so that a missing key is a 404 (NoSuchKey), not a 403; `get` is
 * `s3:GetObject` alone, for a reader that only reads the keys it has just listed.
 * `list` is `s3:ListBucket` under the prefixes the cleanup job sweeps or clears only (`originals/`,
 * `incoming/`, and `variants/` to remove a media's stored variants): key names elsewhere (a model,
 * say) stay out of its sight.
 */
const OBJECT_GRANTS: Record<ObjectOperation, (fn: BindingTarget, bucket: IBucket, keys: string) => void> = {
  read: (fn, bucket, keys) => {
    OBJECT_GRANTS.get(fn, bucket, keys);
    Grant.addToPrincipal({ grantee: fn, actions: ['s3:ListBucket'], resourceArns: [bucket.bucketArn] });
  },
  get: (fn, bucket, keys) => {
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['s3:GetObject'],
      resourceArns: [bucket.arnForObjects(keys)],
    });
  },
  put: (fn, bucket, keys) => {
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['s3:PutObject'],
      resourceArns: [bucket.arnForObjects(keys)],
    });
  },
  delete: (fn, bucket, keys) => {
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['s3:DeleteObject'],
      resourceArns: [bucket.arnForObjects(keys)],
    });
  },
  list: (fn, bucket) => {
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['s3:ListBucket'],
      resourceArns: [bucket.bucketArn],
      conditions: {
        StringLike: { 's3:prefix': [`${ORIGINALS_PREFIX}*`, `${INCOMING_PREFIX}*`, `${VARIANTS_PREFIX}*`] },
      },
    });
  },
};

/**
 * `BUCKET_NAME`, with the given operations on the originals (on keys matching `keys`); with none,
 * the name alone.
 */
const bindOriginals = (
  fn: BindingTarget,
  bucket: IBucket,
  operations: readonly ObjectOperation[],
  keys: string,
): void => {
  fn.addEnvironment('BUCKET_NAME', bucket.bucketName);
  for (const operation of new Set(operations)) OBJECT_GRANTS[operation](fn, bucket, keys);
};

/** `UPGRADE_LINK_SECRET_ARN` — the ARN only; the value is read at run time with `GetSecretValue`. */
const bindUpgradeLinkSecret = (fn: BindingTarget, secret: ISecret): void => {
  fn.addEnvironment('UPGRADE_LINK_SECRET_ARN', secret.secretArn);
  secret.grantRead(fn);
};

/**
 * `ORIGIN_SECRET_ARN` — the ARN only: an API function reads the value at run time and refuses
 * requests that do not carry it (they did not come through the API's distribution).
 */
export const bindOriginSecret = (fn: BindingTarget, secret: ISecret): void => {
  fn.addEnvironment('ORIGIN_SECRET_ARN', secret.secretArn);
  secret.grantRead(fn);
};

/** `DISTRIBUTION_ID`, with `cloudfront:CreateInvalidation` on that distribution only. */
export const bindDistribution = (fn: BindingTarget, distribution: IDistribution): void => {
  fn.addEnvironment('DISTRIBUTION_ID', distribution.distributionId);
  distribution.grantCreateInvalidation(fn);
};

/**
 * `VIEWER_VARIANT_BUDGET`, with the one write the budget needs: `dynamodb:UpdateItem` on the table
 * itself (no index), only on items whose partition key is a variant record (`VARIANTS#<media id>`,
 * see lambdas/core/store/keys.ts), so a function that may otherwise only read can touch nothing else.
 * Its look back is a Query of those items, which table read access already allows.
 */
export const bindVariantBudget = (fn: BindingTarget, table: ITableV2, budget: number): void => {
  fn.addEnvironment('VIEWER_VARIANT_BUDGET', String(budget));
  Grant.addToPrincipal({
    grantee: fn,
    actions: ['dynamodb:UpdateItem'],
    resourceArns: [table.tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${VARIANT_RECORD_PREFIX}*`] } },
  });
};

/**
 * The variant store's one write: `s3:PutObject` under `variants/` only, so the viewer, which reads
 * originals, can never overwrite one. Reading stored variants is the read it has already.
 */
export const bindVariantStore = (fn: BindingTarget, bucket: IBucket): void => {
  Grant.addToPrincipal({
    grantee: fn,
    actions: ['s3:PutObject'],
    resourceArns: [bucket.arnForObjects(`${VARIANTS_PREFIX}*`)],
  });
};

/** What a function's `access` can refer to. */
export interface ServiceResources {
  readonly table: ITableV2;
  readonly originals: IBucket;
  readonly upgradeLinkSecret: ISecret;
}

/** Whether a function with this access builds the shared services (and so needs their settings). */
export const usesServices = (access: RouteAccess): boolean =>
  Boolean(access.table?.length || access.originals?.length || access.upgradeSecret);

/**
 * A route's declared `access`, granted exactly. Any function that touches a resource builds the
 * shared services, whose configuration requires both the table and the bucket name at cold start,
 * so both names are set even where only one is granted: a name without a grant opens nothing. A
 * route declaring no access (the OpenAPI document) gets no names and no grants.
 */
export const bindAccess = (
  fn: BindingTarget,
  access: RouteAccess,
  resources: ServiceResources,
  {
    objectsUnder = '',
  }: { /** Only keys under this prefix, e.g. `originals/`. */ objectsUnder?: string } = {},
): void => {
  if (!usesServices(access)) return;
  bindTable(fn, resources.table, access.table ?? []);
  bindOriginals(fn, resources.originals, access.originals ?? [], `${objectsUnder}*`);
  if (access.upgradeSecret) bindUpgradeLinkSecret(fn, resources.upgradeLinkSecret);
};

/** Plain settings (no resource, so nothing to grant): set only when given, else config's default applies. */
export const bindSettings = (
  fn: BindingTarget,
  settings: Record<string, string | number | undefined>,
): void => {
  for (const [name, value] of Object.entries(settings)) {
    if (value !== undefined) fn.addEnvironment(name, String(value));
  }
};
