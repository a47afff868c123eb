import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../lambdas/core/store/keys.ts';
import {
  INCOMING_LIFETIME_DAYS,
  INCOMING_PREFIX,
  VARIANT_LIFETIME_DAYS,
  VARIANTS_PREFIX,
} from '../lambdas/core/store/object-keys.ts';

/**
 * The names under which the stateful stack exports what the stateless stack imports. Explicit names
 * (rather than CDK's generated ones) keep the contract between the two stacks readable and stable,
 * and let cdk-nag acknowledgements name the imported ARNs exactly.
 */
export interface StatefulExports {
  readonly tableName: string;
  readonly tableArn: string;
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly upgradeLinkSecretArn: string;
}

export const statefulExports = (stackName: string): StatefulExports => ({
  tableName: `${stackName}:TableName`,
  tableArn: `${stackName}:TableArn`,
  bucketName: `${stackName}:BucketName`,
  bucketArn: `${stackName}:BucketArn`,
  upgradeLinkSecretArn: `${stackName}:UpgradeLinkSecretArn`,
});

export interface StatefulStackProps extends StackProps {
  /**
   * Browser origins that may POST presigned uploads straight to the originals bucket.
   * @default ['*'] — safe, because only a POST carrying a policy signed by the API is accepted
   */
  readonly uploadCorsOrigins?: string[];
}

/**
 * What must outlive any deployment: the table, the originals bucket and the upgrade-link signing key.
 * All three are retained when the stack is deleted, so tearing down the service never deletes anyone's
 * images and never invalidates the links a billing page has already handed out.
 */
export class StatefulStack extends Stack {
  readonly table: TableV2;
  readonly originals: Bucket;
  /** HMAC key of the signed one-click upgrade links; the functions read it by ARN, never by value. */
  readonly upgradeLinkSecret: Secret;
  readonly exports: StatefulExports;

  constructor(scope: Construct, id: string, props: StatefulStackProps = {}) {
    super(scope, id, props);
    const { key, indexes, ttlAttribute } = TABLE_SCHEMA;
    const string = (name: string) => ({ name, type: AttributeType.STRING });

    this.table = new TableV2(this, 'Table', {
      partitionKey: string(key.partitionKey),
      sortKey: string(key.sortKey),
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: ttlAttribute,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: indexes.map((index) => ({
        indexName: index.name,
        partitionKey: string(index.partitionKey),
        sortKey: string(index.sortKey),
      })),
    });

    this.originals = new Bucket(this, 'Originals', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        // Large uploads go straight to S3 (presigned POST); one never completed must not linger.
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // Deletes and overwrites stay recoverable for a month, then stop costing money.
        { noncurrentVersionExpiration: Duration.days(30) },
        // A direct upload's file whose completion never came (its intent lives an hour): a day is
        // S3's shortest expiry. The cleanup job sweeps the same age, where no lifecycle runs.
        { prefix: INCOMING_PREFIX, expiration: Duration.days(INCOMING_LIFETIME_DAYS) },
        // Stored variants are derived bytes: each expires a while after its write (the next miss
        // renders and stores it again), and what is deleted or replaced is not kept as a version.
        // Expiry rather than Intelligent-Tiering: tiering bounds nothing, and most variants are
        // under the 128 KB below which it never moves an object to a cheaper tier.
        {
          prefix: VARIANTS_PREFIX,
          expiration: Duration.days(VARIANT_LIFETIME_DAYS),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
      // Only what a browser needs to POST a presigned upload form and read the outcome. CORS grants
      // no access by itself: S3 still accepts only a POST whose policy the API signed.
      cors: [
        {
          allowedMethods: [HttpMethods.POST],
          allowedOrigins: props.uploadCorsOrigins ?? ['*'],
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag', 'Location'],
          maxAge: 3000,
        },
      ],
    });

    this.upgradeLinkSecret = new Secret(this, 'UpgradeLinkSecret', {
      description: 'HMAC key of signed upgrade links (UPGRADE_LINK_SECRET); share it with the billing page',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.exports = statefulExports(this.stackName);
    const exported = (id: keyof StatefulExports, value: string, description: string) =>
      new CfnOutput(this, id.charAt(0).toUpperCase() + id.slice(1), {
        value,
        description,
        exportName: this.exports[id],
      });
    exported('tableName', this.table.tableName, 'DynamoDB table of media, teams, keys and counters');
    exported('tableArn', this.table.tableArn, 'ARN of the table');
    exported('bucketName', this.originals.bucketName, 'S3 bucket of the originals');
    exported('bucketArn', this.originals.bucketArn, 'ARN of the originals bucket');
    exported('upgradeLinkSecretArn', this.upgradeLinkSecret.secretArn, 'Secret signing upgrade links');
  }
}
