import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeNagRule } from './nag';

/** Where a bucket's server access logs go. */
export interface ServerAccessLogs {
  /** The destination: an SSE-S3 bucket (S3 cannot deliver server access logs to an SSE-KMS one). */
  readonly bucket: s3.Bucket;
  /** The key prefix of this bucket's logs in the destination, e.g. `artifacts/`. */
  readonly prefix: string;
}

export interface SecureBucketOptions {
  /**
   * The key of SSE-KMS encryption.
   * @default - SSE-S3
   */
  readonly encryptionKey?: kms.IKey;
  /** @default false */
  readonly versioned?: boolean;
  /** @default - none: objects are kept */
  readonly lifecycleRules?: s3.LifecycleRule[];
  /** @default - no server access logs (only for a bucket that is itself a log destination) */
  readonly serverAccessLogs?: ServerAccessLogs;
}

/**
 * A bucket as every construct of the library creates one: encrypted (SSE-S3, or SSE-KMS with the
 * given key), TLS only, public access blocked, ACLs disabled (bucket owner enforced), and with
 * server access logs delivered to a second bucket.
 *
 * Server access logs are delivered under a bucket policy statement for `logging.s3.amazonaws.com`
 * on the destination, limited to this bucket and account: what aws-cdk-lib writes when the app sets
 * `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy`, written here whatever the app's flags say
 * (the ACL alternative is legacy, and a construct's children cannot set context once it has any).
 */
export function createSecureBucket(scope: Construct, id: string, options: SecureBucketOptions = {}): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: options.encryptionKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
    encryptionKey: options.encryptionKey,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: options.versioned,
    lifecycleRules: options.lifecycleRules,
  });
  const logs = options.serverAccessLogs;
  if (logs) {
    (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
      destinationBucketName: logs.bucket.bucketName,
      logFilePrefix: logs.prefix,
    };
    logs.bucket.addToResourcePolicy(new iam.PolicyStatement({
      effect: iam.Effect.ALLOW,
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [logs.bucket.arnForObjects(`${logs.prefix}*`)],
      conditions: {
        ArnLike: { 'aws:SourceArn': bucket.bucketArn },
        StringEquals: { 'aws:SourceAccount': Stack.of(bucket).account },
      },
    }));
  }
  return bucket;
}

/**
 * The destination of server access logs: a secure bucket with SSE-S3 (the only encryption S3
 * delivers these logs to) and no access logs of its own, which `reason` explains to cdk-nag.
 */
export function createAccessLogBucket(scope: Construct, id: string, reason: string, lifecycleRules?: s3.LifecycleRule[]): s3.Bucket {
  const bucket = createSecureBucket(scope, id, { lifecycleRules });
  acknowledgeNagRule(bucket, 'AwsSolutions-S1', reason);
  return bucket;
}
