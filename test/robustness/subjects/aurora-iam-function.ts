import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as fc from 'fast-check';
import { AuroraIamDatabaseUser, AuroraIamFunction, AuroraIamFunctionProps } from '../../../src';
import { AURORA_IAM_FUNCTION_SPEC } from '../../../src/aurora-iam-function/private/spec';
import { acknowledgeNagRule } from '../../../src/common/nag';
import { createDeadLetterQueue } from '../../../src/common/secure-queue';
import type { Spec } from '../../../src/common/spec';
import { faultableRows, faultyValue, validValue } from '../../support/spec-values';
import { FuzzCase, RobustnessSubject, numberToken } from '../support/subject';

const ACCOUNT = '111122223333';
const code = lambda.Code.fromInline('exports.handler = async () => 1;');
const identifier = fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/);
const ROWS = AURORA_IAM_FUNCTION_SPEC.rows;
/** The rows that only apply to the cluster the construct defines (they conflict with `cluster`). */
const NEW_CLUSTER_ROWS = Object.entries(ROWS as Spec<AuroraIamFunctionProps>).filter(([, rule]) => rule?.conflicts?.includes('cluster')).map(([key]) => key);
const CAPACITY_ROWS = ['serverlessV2MinCapacity', 'serverlessV2MaxCapacity'] as const;

interface Draft {
  readonly egress: boolean;
  readonly cluster: 'new' | 'existing' | 'imported';
  readonly databaseName?: string;
  readonly databaseUserName?: string;
  readonly databaseUserRoles?: string[];
  readonly databaseUserRemovalPolicy?: RemovalPolicy;
  readonly proxy?: boolean;
  /** Capacities in ACUs (min <= max). */
  readonly serverlessV2MinCapacity?: number;
  readonly serverlessV2MaxCapacity?: number;
  readonly deletionProtection?: boolean;
  readonly backupRetention?: Duration;
  readonly timeout?: Duration;
  readonly maxEventAge?: Duration;
  readonly memorySize?: number;
  readonly environment: boolean;
  readonly deadLetterQueue: boolean;
  readonly alarmTopic: boolean;
  /** Pass memorySize and the capacities as deploy-time tokens. */
  readonly tokens: boolean;
}

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
/** An optional value the spec's row `key` accepts, its bounds included. */
const fromSpec = <T>(key: keyof typeof ROWS) => opt(validValue(ROWS[key]!.kind) as fc.Arbitrary<T>);
const draft: fc.Arbitrary<Draft> = fc.record({
  egress: fc.boolean(),
  cluster: fc.constantFrom<Draft['cluster']>('new', 'new', 'existing', 'imported'),
  databaseName: opt(identifier),
  databaseUserName: opt(identifier),
  databaseUserRoles: opt(fc.subarray(['pg_read_all_data', 'pg_write_all_data'], { minLength: 1 })),
  databaseUserRemovalPolicy: fromSpec<RemovalPolicy>('databaseUserRemovalPolicy'),
  proxy: fromSpec<boolean>('proxy'),
  serverlessV2MinCapacity: fromSpec<number>('serverlessV2MinCapacity'),
  serverlessV2MaxCapacity: fromSpec<number>('serverlessV2MaxCapacity'),
  deletionProtection: fromSpec<boolean>('deletionProtection'),
  backupRetention: fromSpec<Duration>('backupRetention'),
  timeout: fromSpec<Duration>('timeout'),
  maxEventAge: fromSpec<Duration>('maxEventAge'),
  memorySize: opt(fc.integer({ min: 128, max: 10_240 })),
  environment: fc.boolean(),
  deadLetterQueue: fc.boolean(),
  alarmTopic: fc.boolean(),
  tokens: fc.boolean(),
}).map((d): Draft => {
  // Valid: min <= max, with the spec's defaults standing in for an absent bound.
  const min = d.serverlessV2MinCapacity ?? 0.5;
  const max = d.serverlessV2MaxCapacity ?? 4;
  const ordered = {
    serverlessV2MinCapacity: d.serverlessV2MinCapacity === undefined ? undefined : Math.min(min, max),
    serverlessV2MaxCapacity: d.serverlessV2MaxCapacity === undefined ? undefined : Math.max(min, max),
  };
  // A given cluster takes none of the new cluster's props.
  const dropped = d.cluster === 'new' ? {} : Object.fromEntries(NEW_CLUSTER_ROWS.map((key) => [key, undefined]));
  return { ...d, ...ordered, ...dropped };
});

function network(d: Draft, stack: Stack): ec2.Vpc {
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    natGateways: d.egress ? 1 : 0,
    subnetConfiguration: d.egress
      ? [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }, { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        { name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }]
      : [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  vpc.addFlowLog('FlowLog');
  return vpc;
}

function toProps(d: Draft, stack: Stack): AuroraIamFunctionProps {
  const vpc = network(d, stack);
  const n = (x: number | undefined) => (x === undefined || !d.tokens ? x : numberToken(x));
  const existing = () => {
    const db = new rds.DatabaseCluster(stack, 'Existing', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      iamAuthentication: true,
      storageEncrypted: true,
      deletionProtection: true,
      cloudwatchLogsExports: ['postgresql'],
      parameterGroup: new rds.ParameterGroup(stack, 'Tls', {
        engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
        parameters: { 'rds.force_ssl': '1' },
      }),
    });
    acknowledgeNagRule(db.node.findChild('Secret'), 'AwsSolutions-SMG4', 'fuzz: the user\'s cluster, whose admin secret rotation is the user\'s business');
    return { cluster: db };
  };
  const cluster = {
    new: () => ({}),
    existing,
    imported: () => ({
      cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Imported', {
        clusterIdentifier: 'orders',
        clusterResourceIdentifier: 'cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ',
        clusterEndpointAddress: 'orders.cluster-abc.us-east-1.rds.amazonaws.com',
        port: 5432,
        engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
        securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'ImportedSg', 'sg-0123456789abcdef0')],
      }),
      adminSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Admin', `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:orders-admin-AbCdEf`),
    }),
  }[d.cluster]();
  return {
    vpc,
    code,
    handler: 'index.handler',
    ...cluster,
    databaseName: d.databaseName,
    databaseUserName: d.databaseUserName,
    databaseUserRoles: d.databaseUserRoles,
    databaseUserRemovalPolicy: d.databaseUserRemovalPolicy,
    proxy: d.proxy,
    serverlessV2MinCapacity: n(d.serverlessV2MinCapacity),
    serverlessV2MaxCapacity: n(d.serverlessV2MaxCapacity),
    deletionProtection: d.deletionProtection,
    backupRetention: d.backupRetention,
    ...(d.memorySize === undefined ? {} : { memorySize: n(d.memorySize) }),
    ...(d.timeout === undefined ? {} : { timeout: d.timeout }),
    ...(d.maxEventAge === undefined ? {} : { maxEventAge: d.maxEventAge }),
    environment: d.environment ? { TABLE: 'orders' } : undefined,
    deadLetterQueue: d.deadLetterQueue ? createDeadLetterQueue(stack, 'Dlq') : undefined,
    alarmTopic: d.alarmTopic
      ? new sns.Topic(stack, 'Alarms', { enforceSSL: true, masterKey: new kms.Key(stack, 'AlarmsKey', { enableKeyRotation: true }) })
      : undefined,
  };
}

/** A fault: the prop its error must name, whether it applies to a draft, and how to inject it. */
interface Fault {
  readonly prop: string;
  readonly appliesTo: (d: Draft) => boolean;
  readonly apply: (p: AuroraIamFunctionProps, stack: Stack) => AuroraIamFunctionProps;
}
const always = () => true;
const newCluster = (d: Draft) => d.cluster === 'new';
const fault = (prop: string, apply: Fault['apply'], appliesTo: Fault['appliesTo'] = always): Fault => ({ prop, apply, appliesTo });
/** A fault in a row of the new cluster applies to drafts that define one (with `cluster`, the conflict is the error). */
const appliesToRow = (key: string): Fault['appliesTo'] => (NEW_CLUSTER_ROWS.includes(key) ? newCluster : always);
/** Below the minimum, above the maximum and fractions of the unit, from every row with a range. */
const specFaults = faultableRows(ROWS).map(({ path, kind }) =>
  faultyValue(kind)!.map((v) => fault(path, (p) => ({ ...p, [path]: v }), appliesToRow(path))));
const badIdentifier = fc.constantFrom('Orders', '1orders', 'has-dash', 'has space', 'x'.repeat(64), '');

const faults: fc.Arbitrary<Fault> = fc.oneof(
  fc.constant(fault('vpc', (p) => ({ ...p, vpc: undefined as unknown as ec2.IVpc }))),
  badIdentifier.map((v) => fault('databaseUserName', (p) => ({ ...p, databaseUserName: v }))),
  badIdentifier.map((v) => fault('databaseName', (p) => ({ ...p, databaseName: v }))),
  badIdentifier.map((v) => fault('databaseUserRoles', (p) => ({ ...p, databaseUserRoles: [...p.databaseUserRoles ?? [], v] }))),
  // Another construct already manages the same user on the given cluster.
  fc.constant(fault('databaseUserName', (p, stack) => {
    new AuroraIamDatabaseUser(stack, 'OtherUser', {
      cluster: p.cluster!,
      adminSecret: p.adminSecret ?? (p.cluster as rds.DatabaseCluster).secret!,
      vpc: p.vpc!,
      userName: p.databaseUserName ?? 'lambda_iam_user',
    });
    return p;
  }, (d) => !newCluster(d))),
  ...specFaults,
  // In range but not in the half-ACU steps Aurora counts capacity in.
  fc.tuple(fc.constantFrom(...CAPACITY_ROWS), fc.integer({ min: 1, max: 255 }), fc.constantFrom(0.1, 0.25, 0.75, 0.999))
    .map(([key, whole, fraction]) => fault(key, (p) => ({ ...p, [key]: whole + fraction }), newCluster)),
  fc.integer({ min: 2, max: 512 }).map((halves) => fault('serverlessV2MinCapacity',
    (p) => ({ ...p, serverlessV2MinCapacity: halves / 2, serverlessV2MaxCapacity: halves / 2 - 0.5 }), newCluster)),
  // A custom resource has no snapshot.
  fc.constant(fault('databaseUserRemovalPolicy', (p) => ({ ...p, databaseUserRemovalPolicy: RemovalPolicy.SNAPSHOT }))),
  // The cluster the construct defines signs in with its own secret.
  fc.constant(fault('adminSecret', (p, stack) => ({ ...p, adminSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Stray', 'stray') }), newCluster)),
  fc.constantFrom('DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER')
    .map((name) => fault('environment', (p) => ({ ...p, environment: { ...p.environment, [name]: 'x' } }))),
  // A new cluster's prop beside a given cluster: any value the row accepts.
  fc.constantFrom(...NEW_CLUSTER_ROWS).chain((key) =>
    (key === 'engineVersion' ? fc.constant(rds.AuroraPostgresEngineVersion.VER_16_6) : validValue(ROWS[key as keyof typeof ROWS]!.kind))
      .map((v) => fault(key, (p) => ({ ...p, [key]: v }), (d) => !newCluster(d)))),
  fc.constant(fault('cluster', (p, stack) => ({
    ...p,
    cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Mysql', {
      clusterIdentifier: 'legacy',
      clusterResourceIdentifier: 'cluster-MYSQL',
      engine: rds.DatabaseClusterEngine.auroraMysql({ version: rds.AuroraMysqlEngineVersion.VER_3_08_0 }),
    }),
    adminSecret: p.adminSecret ?? secretsmanager.Secret.fromSecretNameV2(stack, 'MysqlAdmin', 'legacy-admin'),
  }), (d) => !newCluster(d))),
  fc.constant(fault('adminSecret', (p) => ({ ...p, adminSecret: undefined }), (d) => d.cluster === 'imported')),
  fc.constant(fault('cluster', (p, stack) => ({
    ...p,
    cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'NoResourceId', {
      clusterIdentifier: 'orders',
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
    }),
  }), (d) => d.cluster === 'imported')),
);

const cases: fc.Arbitrary<FuzzCase> = fc.tuple(draft, fc.option(faults, { nil: undefined, freq: 2 })).map(([d, f]): FuzzCase => {
  // A fault that does not apply to this draft leaves a valid case.
  const applies = f !== undefined && f.appliesTo(d);
  return {
    label: `${JSON.stringify(d, (_k, v) => (v instanceof Duration ? v.toHumanString() : v))}${applies ? ` + bad ${f!.prop}` : ''}`,
    fault: applies ? f!.prop : undefined,
    // Turning deletion protection off is the user's call, and cdk-nag and Control Tower say so; so is
    // an asynchronous-invocation config (maxEventAge) without an onFailure destination.
    nagRules: [
      ...d.deletionProtection === false ? ['AwsSolutions-RDS10'] : [],
      ...d.maxEventAge ? ['Serverless-LambdaAsyncFailureDestination'] : [],
    ],
    controls: d.deletionProtection === false ? ['CT.RDS.PR.3'] : undefined,
    build: (stack) => {
      const props = toProps(d, stack);
      new AuroraIamFunction(stack, 'Fn', applies ? f!.apply(props, stack) : props);
    },
  };
});

export const subject: RobustnessSubject = {
  name: 'AuroraIamFunction',
  cases,
  // Every case synthesizes a VPC and an Aurora cluster: cfn-lint takes about 3 times as long per case.
  numRuns: 15,
  configurations: {
    default: (stack) => new AuroraIamFunction(stack, 'Fn', { vpc: network({ egress: false } as Draft, stack), code, handler: 'index.handler' }),
    fullest: (stack) => new AuroraIamFunction(stack, 'Fn', toProps({
      egress: true,
      cluster: 'new',
      databaseName: 'orders',
      databaseUserName: 'orders_app',
      databaseUserRoles: ['pg_read_all_data'],
      databaseUserRemovalPolicy: RemovalPolicy.DESTROY,
      proxy: true,
      serverlessV2MinCapacity: 0,
      serverlessV2MaxCapacity: 8,
      deletionProtection: true,
      backupRetention: Duration.days(14),
      timeout: Duration.seconds(10),
      memorySize: 1024,
      environment: true,
      deadLetterQueue: true,
      alarmTopic: true,
      tokens: false,
    }, stack)),
  },
};
