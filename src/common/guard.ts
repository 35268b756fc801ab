import { CfnResource } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';

/** The resource `Metadata` key that cfn-guard rule suppressions live under. */
export const GUARD_METADATA_KEY = 'guard';

/**
 * Acknowledges a cfn-guard (AWS Control Tower proactive control) finding on the one resource it is
 * about, with the reason a reviewer needs. It writes the convention of the cfn-guard rules
 * registry into the resource's template metadata, `Metadata.guard.SuppressedRules: [rule]`, and
 * the reason beside it in `Metadata.guard.Reasons`, so it travels with the template and is seen
 * wherever the template is judged (the library's tests require both).
 *
 * @param scope the resource (a CfnResource, or an L2 construct whose default child is one)
 * @param rule the guard rule name, e.g. `lambda_inside_vpc_check` (control CT.LAMBDA.PR.3)
 * @param reason why the finding is acceptable here
 */
export function acknowledgeGuardRule(scope: IConstruct, rule: string, reason: string): void {
  const resource = scope instanceof CfnResource ? scope : scope.node.defaultChild;
  if (!(resource instanceof CfnResource)) {
    throw new Error(`acknowledgeGuardRule: ${scope.node.path} is not a CloudFormation resource`);
  }
  const guard = resource.getMetadata(GUARD_METADATA_KEY) ?? { SuppressedRules: [], Reasons: {} };
  resource.addMetadata(GUARD_METADATA_KEY, {
    SuppressedRules: [...new Set([...guard.SuppressedRules ?? [], rule])],
    Reasons: { ...guard.Reasons, [rule]: reason },
  });
}

/** `acknowledgeGuardRule` for several rules of one resource: `{ rule: reason }`. */
export function acknowledgeGuardRules(scope: IConstruct, reasons: Record<string, string>): void {
  for (const [rule, reason] of Object.entries(reasons)) acknowledgeGuardRule(scope, rule, reason);
}

/** Why the Control Tower controls for data buckets do not fit a bucket that only receives logs. */
export const LOG_BUCKET_GUARD_REASONS: Record<string, string> = {
  s3_bucket_object_lock_enabled_check: 'A log bucket: Object Lock would make each log object undeletable for a retention period, which logs do not need and which blocks their expiry.',
  s3_bucket_versioning_enabled_check: 'A log bucket: each log object is written once under a new key, so versions would only keep deleted logs.',
  s3_event_notifications_enabled_check: 'A log bucket: nothing reacts to a new log object, so a notification would have no consumer.',
};

/** `LOG_BUCKET_GUARD_REASONS`, and why a server access log destination differs further. */
export const ACCESS_LOG_BUCKET_GUARD_REASONS: Record<string, string> = {
  ...LOG_BUCKET_GUARD_REASONS,
  s3_bucket_default_encryption_kms_check: 'S3 server access logs can only be delivered to a bucket encrypted with SSE-S3, not SSE-KMS.',
  s3_bucket_logging_enabled_check: 'This bucket is the server access log destination; logging it into itself would loop.',
};

/**
 * A log group the construct creates keeps its logs a year by default, as CT.CLOUDWATCH.PR.2 asks;
 * a shorter retention the caller sets through `prop` is their choice, acknowledged as such.
 */
export function acknowledgeChosenRetention(logGroup: logs.LogGroup, prop: string, retention?: logs.RetentionDays): void {
  if (retention !== undefined && retention < logs.RetentionDays.ONE_YEAR) {
    acknowledgeGuardRule(logGroup, 'cloudwatch_log_group_retention_period_check',
      `The caller chose this retention (\`${prop}\`); the default is one year.`);
  }
}
