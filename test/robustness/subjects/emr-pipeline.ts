import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import * as fc from 'fast-check';
import { EmrPipeline, EmrPipelineProps } from '../../../src';
import type { PropKind } from '../../../src/common/spec';
import { EMR_PIPELINE_SPEC } from '../../../src/emr-pipeline/private/spec';
import { faultableRows, faultyValue, validValue } from '../../support/spec-values';
import { FuzzCase, RobustnessSubject, numberToken } from '../support/subject';

const RELEASES = ['emr-5.28.0', 'emr-5.29.0', 'emr-5.36.2', 'emr-6.0.0', 'emr-6.15.0', 'emr-7.5.0'];
const m5 = ec2.InstanceType.of(ec2.InstanceClass.M5, ec2.InstanceSize.XLARGE);
const r6g = ec2.InstanceType.of(ec2.InstanceClass.R6G, ec2.InstanceSize.XLARGE2);

interface Draft {
  /** A VPC of the app (tagged by the construct) or an imported one. */
  readonly vpc: 'new' | 'imported';
  readonly releaseLabel?: string;
  readonly releaseToken: boolean;
  readonly applications?: string[];
  readonly instances: 'default' | 'groups' | 'fleets';
  readonly coreInstanceCount?: number;
  readonly maxConcurrency?: number;
  readonly stepConcurrencyLevel?: number;
  readonly idleTimeout?: Duration;
  readonly timeout?: Duration;
  readonly logExpiration?: Duration;
  readonly ownLogBucket: boolean;
  readonly ownRoles: boolean;
  /** Bring the EMR-managed security groups (the fuzz VPCs have private subnets only). */
  readonly ownSecurityGroups: boolean;
  readonly visibleToAllUsers?: boolean;
  readonly securityConfiguration?: string;
  readonly terminateGivenCluster?: boolean;
  readonly logLevel?: 'ALL' | 'ERROR' | 'FATAL';
  readonly includeExecutionData?: boolean;
  readonly logRetention?: logs.RetentionDays;
  readonly ownKey: boolean;
  readonly alarmTopic: boolean;
  /** Pass coreInstanceCount, maxConcurrency and stepConcurrencyLevel as deploy-time tokens. */
  readonly tokens: boolean;
}

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const ROWS = EMR_PIPELINE_SPEC.rows;
/** A value the spec's row accepts (its bounds included), or none. */
const specValue = <T>(row: { readonly kind: PropKind }) => opt(validValue(row.kind) as fc.Arbitrary<T>);
const draft: fc.Arbitrary<Draft> = fc.record({
  // Mostly imported: a VPC of the app costs cfn-lint ~20 resources more per case.
  vpc: fc.constantFrom<Draft['vpc']>('imported', 'imported', 'imported', 'new'),
  releaseLabel: opt(fc.constantFrom(...RELEASES)),
  releaseToken: fc.boolean(),
  applications: opt(fc.subarray(['Spark', 'Hive', 'Hadoop', 'Presto'], { minLength: 1 })),
  instances: fc.constantFrom<Draft['instances']>('default', 'groups', 'fleets'),
  coreInstanceCount: specValue<number>(ROWS.coreInstanceCount),
  maxConcurrency: specValue<number>(ROWS.maxConcurrency),
  stepConcurrencyLevel: specValue<number>(ROWS.stepConcurrencyLevel),
  idleTimeout: specValue<Duration>(ROWS.idleTimeout),
  timeout: specValue<Duration>(ROWS.timeout),
  logExpiration: specValue<Duration>(ROWS.logExpiration),
  ownLogBucket: fc.boolean(),
  ownRoles: fc.boolean(),
  ownSecurityGroups: fc.boolean(),
  visibleToAllUsers: opt(fc.boolean()),
  securityConfiguration: opt(fc.constant('my-security-configuration')),
  terminateGivenCluster: opt(fc.boolean()),
  logLevel: opt(fc.constantFrom<'ALL' | 'ERROR' | 'FATAL'>('ALL', 'ERROR', 'FATAL')),
  includeExecutionData: opt(fc.boolean()),
  logRetention: opt(fc.constantFrom(logs.RetentionDays.ONE_MONTH, logs.RetentionDays.ONE_YEAR, logs.RetentionDays.FIVE_YEARS)),
  ownKey: fc.boolean(),
  alarmTopic: fc.boolean(),
  tokens: fc.boolean(),
}).map((d): Draft => {
  // Valid: stepConcurrencyLevel in 1-256 and >= a positive maxConcurrency (256 when maxConcurrency > 256).
  const floor = Math.min(256, Math.max(1, d.maxConcurrency ?? 4));
  const stepConcurrencyLevel = d.stepConcurrencyLevel === undefined ? undefined : Math.max(floor, d.stepConcurrencyLevel);
  // A given log bucket keeps its own lifecycle: logExpiration applies only to the bucket the pipeline creates.
  const logExpiration = d.ownLogBucket ? undefined : d.logExpiration;
  return { ...d, stepConcurrencyLevel, logExpiration, coreInstanceCount: d.instances === 'fleets' ? undefined : d.coreInstanceCount };
});

const fleets: tasks.EmrCreateCluster.InstanceFleetConfigProperty[] = [{
  instanceFleetType: tasks.EmrCreateCluster.InstanceRoleType.MASTER,
  targetOnDemandCapacity: 1,
  instanceTypeConfigs: [{ instanceType: 'm5.xlarge' }],
}];

function toProps(d: Draft, stack: Stack): EmrPipelineProps {
  const n = (x: number | undefined) => (x === undefined || !d.tokens ? x : numberToken(x));
  const vpc = d.vpc === 'new'
    ? new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1, flowLogs: { FlowLog: {} } })
    : ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
    });
  const roles = () => {
    const instanceRole = new iam.Role(stack, 'MyInstanceRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    new iam.CfnInstanceProfile(stack, 'MyInstanceProfile', { roles: [instanceRole.roleName], instanceProfileName: instanceRole.roleName });
    return { serviceRole: new iam.Role(stack, 'MyServiceRole', { assumedBy: new iam.ServicePrincipal('elasticmapreduce.amazonaws.com') }), instanceRole };
  };
  const logBucket = () => {
    // Server access logs under a bucket policy, not the legacy ACL (cfn-lint W3045), as in new CDK apps.
    const scope = new Construct(stack, 'MyLogBuckets');
    scope.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    return new s3.Bucket(scope, 'Logs', {
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      serverAccessLogsBucket: new s3.Bucket(scope, 'AccessLogs', { enforceSSL: true, encryption: s3.BucketEncryption.S3_MANAGED }),
    });
  };
  const securityGroups = () => {
    const group = (id: string) => new ec2.SecurityGroup(stack, id, { vpc, description: `EMR ${id}` });
    return { primary: group('MyPrimary'), coreAndTask: group('MyCoreAndTask'), serviceAccess: group('MyServiceAccess') };
  };
  return {
    vpc,
    managedSecurityGroups: d.ownSecurityGroups ? securityGroups() : undefined,
    releaseLabel: d.releaseLabel === undefined || !d.releaseToken ? d.releaseLabel : Lazy.string({ produce: () => d.releaseLabel }),
    applications: d.applications,
    ...(d.instances === 'groups' ? { masterInstanceType: m5, coreInstanceType: r6g } : {}),
    ...(d.instances === 'fleets' ? { instanceFleets: fleets } : {}),
    coreInstanceCount: n(d.coreInstanceCount),
    maxConcurrency: n(d.maxConcurrency),
    stepConcurrencyLevel: n(d.stepConcurrencyLevel),
    idleTimeout: d.idleTimeout,
    timeout: d.timeout,
    logExpiration: d.logExpiration,
    logBucket: d.ownLogBucket ? logBucket() : undefined,
    ...(d.ownRoles ? roles() : {}),
    visibleToAllUsers: d.visibleToAllUsers,
    securityConfiguration: d.securityConfiguration,
    terminateGivenCluster: d.terminateGivenCluster,
    logLevel: d.logLevel === undefined ? undefined : sfn.LogLevel[d.logLevel],
    includeExecutionData: d.includeExecutionData,
    logRetention: d.logRetention,
    logGroupEncryptionKey: d.ownKey ? new kms.Key(stack, 'MyKey', { enableKeyRotation: true }) : undefined,
    alarmTopic: d.alarmTopic
      ? new sns.Topic(stack, 'Alarms', { enforceSSL: true, masterKey: new kms.Key(stack, 'AlarmsKey', { enableKeyRotation: true }) })
      : undefined,
  };
}

interface Fault { readonly prop: string; readonly apply: (p: EmrPipelineProps) => EmrPipelineProps }
const fault = (prop: string, apply: Fault['apply']): Fault => ({ prop, apply });
/** What else a row's fault needs to be reached: the props it conflicts with left out. */
const FAULT_CONTEXT: Partial<Record<string, Partial<EmrPipelineProps>>> = {
  coreInstanceCount: { instanceFleets: undefined },
  logExpiration: { logBucket: undefined },
};

const faults: fc.Arbitrary<Fault> = fc.oneof(
  // Every row with a range: below its minimum, above its maximum, fractions of its unit (issue 18).
  ...faultableRows(ROWS).map(({ path, kind }) => faultyValue(kind)!
    .map((v) => fault(path, (p) => ({ ...p, ...FAULT_CONTEXT[path], [path]: v })))),
  fc.integer({ min: 2, max: 256 }).map((m) => fault('stepConcurrencyLevel', (p) => ({ ...p, maxConcurrency: m, stepConcurrencyLevel: m - 1 }))),
  fc.constantFrom<Partial<EmrPipelineProps>>({ masterInstanceType: m5 }, { coreInstanceType: r6g }, { coreInstanceCount: 1 })
    .map((extra) => fault('instanceFleets', (p) => ({ ...p, instanceFleets: fleets, ...extra }))),
  fc.constant(fault('instanceFleets', (p) => ({ ...p, masterInstanceType: undefined, coreInstanceType: undefined, coreInstanceCount: undefined, instanceFleets: [] }))),
  fc.constantFrom('emr-5.27.0', 'emr-4.9.6', 'emr-7', 'spark-3.5', '7.5.0', 'emr-7.5.0-beta')
    .map((releaseLabel) => fault('releaseLabel', (p) => ({ ...p, releaseLabel }))),
  // Private subnets need a service access group.
  fc.constant(fault('managedSecurityGroups', (p) => {
    const group = (id: string) => new ec2.SecurityGroup(Stack.of(p.vpc), id, { vpc: p.vpc });
    return { ...p, managedSecurityGroups: { primary: p.managedSecurityGroups?.primary ?? group('BadPrimary'), coreAndTask: p.managedSecurityGroups?.coreAndTask ?? group('BadCore') } };
  })),
  fc.integer({ min: 1, max: 3650 }).map((days) => fault('logExpiration', (p) => ({
    ...p,
    logExpiration: Duration.days(days),
    logBucket: p.logBucket ?? s3.Bucket.fromBucketName(Stack.of(p.vpc), 'GivenLogs', 'my-emr-logs'),
  }))),
);

const cases: fc.Arbitrary<FuzzCase> = fc.tuple(draft, fc.option(faults, { nil: undefined, freq: 2 })).map(([d, f]): FuzzCase => ({
  label: `${JSON.stringify(d)}${f ? ` + bad ${f.prop}` : ''}`,
  fault: f?.prop,
  // Logging less than ALL is the user's call, and cdk-nag says so; Control Tower only below ERROR.
  nagRules: d.logLevel === undefined || d.logLevel === 'ALL' ? undefined : ['AwsSolutions-SF1'],
  controls: d.logLevel === 'FATAL' ? ['CT.STEPFUNCTIONS.PR.1'] : undefined,
  build: (stack) => {
    const props = toProps(d, stack);
    new EmrPipeline(stack, 'Pipeline', f ? f.apply(props) : props);
  },
}));

export const subject: RobustnessSubject = {
  name: 'EmrPipeline',
  cases,
  configurations: {
    default: (stack) => new EmrPipeline(stack, 'Pipeline', { vpc: new ec2.Vpc(stack, 'Vpc', { natGateways: 1, flowLogs: { FlowLog: {} } }) }),
    fullest: (stack) => new EmrPipeline(stack, 'Pipeline', toProps({
      vpc: 'new',
      releaseLabel: 'emr-6.15.0',
      releaseToken: false,
      applications: ['Spark', 'Hive'],
      instances: 'groups',
      coreInstanceCount: 4,
      maxConcurrency: 8,
      stepConcurrencyLevel: 16,
      idleTimeout: Duration.minutes(30),
      timeout: Duration.hours(2),
      ownLogBucket: true, // (so no logExpiration: a given bucket keeps its own lifecycle)
      ownRoles: true,
      ownSecurityGroups: true,
      visibleToAllUsers: true,
      securityConfiguration: 'my-security-configuration',
      terminateGivenCluster: true,
      logLevel: 'ALL',
      includeExecutionData: false,
      logRetention: logs.RetentionDays.ONE_MONTH,
      ownKey: true,
      alarmTopic: true,
      tokens: false,
    }, stack)),
  },
};
