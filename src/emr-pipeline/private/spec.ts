import { Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { STEP_CONCURRENCY_FLOOR, isAtLeast, parseReleaseLabel } from './release-label';
import { LOG_RETENTION_DAYS, defineSpec } from '../../common/spec';
import { allResolved, validateOrder } from '../../common/validation';
import type { EmrPipelineProps } from '../emr-pipeline';

/** EMR's maximum `StepConcurrencyLevel`. */
const MAX_STEP_CONCURRENCY = 256;

const M5_XLARGE = ec2.InstanceType.of(ec2.InstanceClass.M5, ec2.InstanceSize.XLARGE);

/** Instance groups only: with `instanceFleets` the group props stay undefined (and conflict if given). */
const forInstanceGroups = <V>(value: V) => (props: EmrPipelineProps): V | undefined => (props.instanceFleets ? undefined : value);

/** The cluster's step concurrency when none is given: the Map's (defaulted above), within EMR's 1-256. */
function defaultStepConcurrency(props: EmrPipelineProps): number {
  const maxConcurrency = props.maxConcurrency!;
  if (Token.isUnresolved(maxConcurrency)) return maxConcurrency;
  return maxConcurrency === 0 ? MAX_STEP_CONCURRENCY : Math.min(maxConcurrency, MAX_STEP_CONCURRENCY);
}

/**
 * The props of an EmrPipeline: defaults, ranges and relations, checked by `resolveProps`. Rows in
 * the order they are checked: `maxConcurrency` before the step concurrency derived from it.
 */
export const EMR_PIPELINE_SPEC = defineSpec<EmrPipelineProps>()({
  vpc: { kind: { kind: 'other' } },
  vpcSubnets: { kind: { kind: 'other' }, defaultDoc: "- the VPC's default selection (private subnets when there are any)" },
  managedSecurityGroups: {
    kind: { kind: 'other' },
    defaultDoc: '- three groups the pipeline creates in the VPC (primary, core/task, and, in private',
  },
  releaseLabel: {
    kind: { kind: 'string', pattern: /^emr-\d+\.\d+\.\d+$/, expected: 'emr-X.Y.Z (for example emr-7.5.0)' },
    default: 'emr-7.5.0',
    validate: (label, path) => {
      if (Token.isUnresolved(label)) return;
      if (!isAtLeast(parseReleaseLabel(label), STEP_CONCURRENCY_FLOOR)) {
        throw new Error(`${path} must be emr-5.28.0 or later (the first release with step concurrency), got ${label}`);
      }
    },
  },
  // A fresh list for each pipeline, as every list default.
  applications: { kind: { kind: 'other' }, default: () => ['Spark'], defaultDoc: "['Spark']" },
  instanceFleets: {
    kind: { kind: 'other' },
    defaultDoc: '- instance groups (one primary node and `coreInstanceCount` core nodes)',
    conflicts: ['masterInstanceType', 'coreInstanceType', 'coreInstanceCount'],
    validate: (fleets, path) => {
      if (fleets.length === 0) throw new Error(`${path} must list at least the primary (MASTER) fleet, got an empty list`);
    },
  },
  masterInstanceType: { kind: { kind: 'other' }, default: forInstanceGroups(M5_XLARGE), defaultDoc: 'm5.xlarge' },
  coreInstanceType: { kind: { kind: 'other' }, default: forInstanceGroups(M5_XLARGE), defaultDoc: 'm5.xlarge' },
  // 0 makes a single-node cluster.
  coreInstanceCount: { kind: { kind: 'integer', min: 0 }, default: forInstanceGroups(2), defaultDoc: '2' },
  // 0 means no limit.
  maxConcurrency: { kind: { kind: 'integer', min: 0 }, default: 4, readmeDefault: '`maxConcurrency` 4' },
  stepConcurrencyLevel: {
    kind: { kind: 'integer', min: 1, max: MAX_STEP_CONCURRENCY },
    default: defaultStepConcurrency,
    defaultDoc: '- `maxConcurrency` (256 when `maxConcurrency` is 0 or above 256)',
    // So EMR can run every step the Map starts; above EMR's 256 the level can only be 256.
    validate: (level, path, props) => {
      const max = props.maxConcurrency;
      if (max === 0 || (allResolved(max, level) && max! > MAX_STEP_CONCURRENCY && level === MAX_STEP_CONCURRENCY)) return;
      validateOrder('maxConcurrency', max, path, level);
    },
  },
  // EMR's AutoTerminationPolicy.IdleTimeout counts whole seconds, 60 s to 7 days.
  idleTimeout: {
    kind: { kind: 'duration', unit: 'seconds', min: Duration.seconds(60), max: Duration.days(7) },
    default: Duration.hours(1),
    defaultDoc: 'Duration.hours(1)',
  },
  logBucket: { kind: { kind: 'other' }, defaultDoc: '- a new bucket: SSE-S3, TLS only, public access blocked, server access logs, objects' },
  // S3 lifecycle rules count whole days (Expiration.Days, a positive integer with no documented maximum).
  logExpiration: {
    kind: { kind: 'duration', unit: 'days', min: Duration.days(1) },
    default: (props) => (props.logBucket ? undefined : Duration.days(90)),
    defaultDoc: 'Duration.days(90)',
    // A given bucket's lifecycle is its own.
    conflicts: ['logBucket'],
  },
  serviceRole: { kind: { kind: 'other' }, defaultDoc: '- a role with the AWS managed `AmazonEMRServicePolicy_v2`' },
  instanceRole: { kind: { kind: 'other' }, defaultDoc: '- a role (and instance profile) that may only write the cluster logs' },
  visibleToAllUsers: { kind: { kind: 'boolean' }, default: false },
  securityConfiguration: { kind: { kind: 'other' }, defaultDoc: '- none' },
  terminateGivenCluster: { kind: { kind: 'boolean' }, default: false, readmeDefault: 'never terminated' },
  // The state machine's TimeoutSeconds: whole seconds, at most a year (a standard execution's limit).
  timeout: {
    kind: { kind: 'duration', unit: 'seconds', min: Duration.seconds(1), max: Duration.days(365) },
    default: Duration.hours(6),
    defaultDoc: 'Duration.hours(6)',
  },
  logLevel: { kind: { kind: 'oneOf', values: Object.values(sfn.LogLevel) }, default: sfn.LogLevel.ALL, defaultDoc: 'sfn.LogLevel.ALL' },
  includeExecutionData: { kind: { kind: 'boolean' }, default: true },
  logRetention: { kind: LOG_RETENTION_DAYS, default: logs.RetentionDays.ONE_YEAR, defaultDoc: 'logs.RetentionDays.ONE_YEAR' },
  logGroupEncryptionKey: { kind: { kind: 'other' }, defaultDoc: '- a new key with rotation enabled' },
  alarmTopic: { kind: { kind: 'other' }, defaultDoc: '- alarms without actions', readmeDefault: 'notify `alarmTopic` if given' },
});
