import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as fc from 'fast-check';
import { AuroraIamDatabaseUser, AuroraIamFunction, AuroraIamFunctionProps } from '../../../src';
import { acknowledgeNagRule } from '../../../src/common/nag';
import { createDeadLetterQueue } from '../../../src/common/secure-queue';
import { FuzzCase, RobustnessSubject, fractionalDuration, numberToken } from '../support/subject';

const ACCOUNT = '111122223333';
const code = lambda.Code.fromInline('exports.handler = async () => 1;');
const identifier = fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/);

interface Draft {
  readonly egress: boolean;
  readonly cluster: 'new' | 'existing' | 'imported';
  readonly databaseName?: string;
  readonly databaseUserName?: string;
  readonly databaseUserRoles?: string[];
  readonly databaseUserRemovalPolicy?: 'RETAIN' | 'DESTROY';
  readonly proxy?: boolean;
  /** Capacities in half ACUs (min <= max). */
  readonly minHalfAcus?: number;
  readonly maxHalfAcus?: number;
  readonly deletionProtection?: boolean;
  readonly backupRetentionDays?: number;
  readonly memorySize?: number;
  readonly timeoutSeconds?: number;
  readonly environment: boolean;
  readonly deadLetterQueue: boolean;
  readonly alarmTopic: boolean;
  /** Pass memorySize as a deploy-time token. */
  readonly tokens: boolean;
}

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const draft: fc.Arbitrary<Draft> = fc.record({
  egress: fc.boolean(),
  cluster: fc.constantFrom<Draft['cluster']>('new', 'new', 'existing', 'imported'),
  databaseName: opt(identifier),
  databaseUserName: opt(identifier),
  databaseUserRoles: opt(fc.subarray(['pg_read_all_data', 'pg_write_all_data'], { minLength: 1 })),
  databaseUserRemovalPolicy: opt(fc.constantFrom<'RETAIN' | 'DESTROY'>('RETAIN', 'DESTROY')),
  proxy: opt(fc.boolean()),
  minHalfAcus: opt(fc.integer({ min: 0, max: 512 })),
  maxHalfAcus: opt(fc.integer({ min: 2, max: 512 })),
  deletionProtection: opt(fc.boolean()),
  backupRetentionDays: opt(fc.integer({ min: 1, max: 35 })),
  memorySize: opt(fc.integer({ min: 128, max: 10_240 })),
  timeoutSeconds: opt(fc.integer({ min: 1, max: 900 })),
  environment: fc.boolean(),
  deadLetterQueue: fc.boolean(),
  alarmTopic: fc.boolean(),
  tokens: fc.boolean(),
}).map((d): Draft => {
  // Valid: min <= max, with the defaults 0.5 and 4 ACUs standing in for an absent bound.
  const min = d.minHalfAcus ?? 1;
  const max = d.maxHalfAcus ?? 8;
  const newCluster = d.cluster === 'new';
  return {
    ...d,
    minHalfAcus: newCluster && d.minHalfAcus !== undefined ? Math.min(min, max) : undefined,
    maxHalfAcus: newCluster && d.maxHalfAcus !== undefined ? Math.max(min, max) : undefined,
    deletionProtection: newCluster ? d.deletionProtection : undefined,
    backupRetentionDays: newCluster ? d.backupRetentionDays : undefined,
  };
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
    databaseUserRemovalPolicy: d.databaseUserRemovalPolicy === undefined ? undefined : RemovalPolicy[d.databaseUserRemovalPolicy],
    proxy: d.proxy,
    serverlessV2MinCapacity: d.minHalfAcus === undefined ? undefined : n(d.minHalfAcus / 2),
    serverlessV2MaxCapacity: d.maxHalfAcus === undefined ? undefined : n(d.maxHalfAcus / 2),
    deletionProtection: d.deletionProtection,
    backupRetention: d.backupRetentionDays === undefined ? undefined : Duration.days(d.backupRetentionDays),
    ...(d.memorySize === undefined ? {} : { memorySize: n(d.memorySize) }),
    ...(d.timeoutSeconds === undefined ? {} : { timeout: Duration.seconds(d.timeoutSeconds) }),
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
  fc.oneof(fc.double({ min: -100, max: -0.01, noNaN: true }), fc.double({ min: 256.01, max: 10_000, noNaN: true }))
    .map((v) => fault('serverlessV2MinCapacity', (p) => ({ ...p, serverlessV2MinCapacity: v }), newCluster)),
  fc.oneof(fc.double({ min: -100, max: 0.99, noNaN: true }), fc.double({ min: 256.01, max: 10_000, noNaN: true }))
    .map((v) => fault('serverlessV2MaxCapacity', (p) => ({ ...p, serverlessV2MaxCapacity: v }), newCluster)),
  fc.integer({ min: 2, max: 256 }).map((max) => fault('serverlessV2MinCapacity',
    (p) => ({ ...p, serverlessV2MinCapacity: max, serverlessV2MaxCapacity: max - 1 }), newCluster)),
  fc.oneof(fc.integer({ min: 0, max: 23 }).map((h) => Duration.hours(h)), fc.integer({ min: 36, max: 1000 }).map((days) => Duration.days(days)))
    .map((v) => fault('backupRetention', (p) => ({ ...p, backupRetention: v }), newCluster)),
  // In range but not a whole number of the unit RDS (days) and Lambda (seconds) count them in (issue 18).
  fractionalDuration('days', 1, 35).map((v) => fault('backupRetention', (p) => ({ ...p, backupRetention: v }), newCluster)),
  fractionalDuration('seconds', 1, 900).map((v) => fault('timeout', (p) => ({ ...p, timeout: v }))),
  fractionalDuration('seconds', 60, 6 * 3600).map((v) => fault('maxEventAge', (p) => ({ ...p, maxEventAge: v }))),
  fc.constantFrom('DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER')
    .map((name) => fault('environment', (p) => ({ ...p, environment: { ...p.environment, [name]: 'x' } }))),
  fc.constantFrom<Partial<AuroraIamFunctionProps>>(
    { serverlessV2MinCapacity: 1 }, { serverlessV2MaxCapacity: 8 }, { deletionProtection: false },
    { backupRetention: Duration.days(3) }, { engineVersion: rds.AuroraPostgresEngineVersion.VER_16_6 },
  ).map((extra) => fault(Object.keys(extra)[0], (p) => ({ ...p, ...extra }), (d) => !newCluster(d))),
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
    label: `${JSON.stringify(d)}${applies ? ` + bad ${f!.prop}` : ''}`,
    fault: applies ? f!.prop : undefined,
    // Turning deletion protection off is the user's call, and cdk-nag and Control Tower say so.
    nagRules: d.deletionProtection === false ? ['AwsSolutions-RDS10'] : undefined,
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
      databaseUserRemovalPolicy: 'DESTROY',
      proxy: true,
      minHalfAcus: 0,
      maxHalfAcus: 16,
      deletionProtection: true,
      backupRetentionDays: 14,
      memorySize: 1024,
      timeoutSeconds: 10,
      environment: true,
      deadLetterQueue: true,
      alarmTopic: true,
      tokens: false,
    }, stack)),
  },
};
