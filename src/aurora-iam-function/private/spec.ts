import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import { FUNCTION_MAX_EVENT_AGE, FUNCTION_TIMEOUT } from '../../common/secure-function';
import { Resolved, defineSpec, resolveProps } from '../../common/spec';
import type { AuroraIamFunctionProps } from '../aurora-iam-function';
import type { AuroraIamDatabaseUserProps } from '../database-user';
import { defaultDatabaseSubnets, defaultPrivateSubnets } from './network';
import { POSTGRES_IDENTIFIER, validatePostgresIdentifiers } from './shared';

/** The environment variables AuroraIamFunction sets for the handler-side helper. */
const RESERVED_ENVIRONMENT = ['DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER'];

/** What the rows of the cluster AuroraIamFunction defines conflict with: a given cluster. */
const WITH_GIVEN_CLUSTER = ['cluster'];

/** A default of the cluster AuroraIamFunction defines: none when a cluster is given. */
const forNewCluster = <V>(value: V) => (props: AuroraIamFunctionProps): V | undefined => (props.cluster ? undefined : value);

/**
 * Removal policies of the database-user custom resource: every member of RemovalPolicy but
 * SNAPSHOT, a DeletionPolicy only for resources that have snapshots (cfn-lint E3035 refuses it here).
 */
const REMOVAL_POLICIES = {
  kind: 'oneOf',
  values: [RemovalPolicy.RETAIN, RemovalPolicy.DESTROY, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE],
} as const;

/**
 * The ranges of the new cluster's Serverless v2 capacity, in half ACUs (aws-cdk-lib refuses other
 * values, in a message that names neither the range nor the value).
 */
const MIN_CAPACITY = { kind: 'number', min: 0, max: 256, step: 0.5 } as const;
const MAX_CAPACITY = { kind: 'number', min: 1, max: 256, step: 0.5 } as const;

/** The spec of {@link AuroraIamFunctionProps}; see src/common/spec.ts. */
export const AURORA_IAM_FUNCTION_SPEC = defineSpec<AuroraIamFunctionProps>()({
  runtime: { kind: { kind: 'other' }, default: lambda.Runtime.NODEJS_24_X, defaultDoc: 'lambda.Runtime.NODEJS_24_X', readmeDefault: 'Node.js 24' },
  databaseUserName: {
    kind: POSTGRES_IDENTIFIER,
    default: 'lambda_iam_user',
    defaultDoc: "'lambda_iam_user'",
    readmeDefault: '`lambda_iam_user`',
  },
  databaseName: { kind: POSTGRES_IDENTIFIER, default: 'postgres', defaultDoc: "'postgres'", readmeDefault: 'in `postgres`' },
  databaseUserRoles: {
    kind: { kind: 'other' },
    defaultDoc: '- none',
    readmeDefault: '`LOGIN` and `rds_iam`, plus `databaseUserRoles`',
    validate: (roles, path) => validatePostgresIdentifiers(path, roles),
  },
  databaseUserRemovalPolicy: {
    kind: REMOVAL_POLICIES,
    default: RemovalPolicy.RETAIN,
    defaultDoc: 'RemovalPolicy.RETAIN',
    readmeDefault: 'kept when the construct is removed',
  },
  // Before the minimum, so that a maximum out of range is reported as such.
  serverlessV2MaxCapacity: {
    kind: MAX_CAPACITY,
    default: forNewCluster(4),
    defaultDoc: '4',
    readmeDefault: 'Serverless v2 writer 0.5-4 ACU',
    conflicts: WITH_GIVEN_CLUSTER,
  },
  serverlessV2MinCapacity: {
    kind: MIN_CAPACITY,
    default: forNewCluster(0.5),
    defaultDoc: '0.5',
    readmeDefault: 'Serverless v2 writer 0.5-4 ACU',
    conflicts: WITH_GIVEN_CLUSTER,
    atMost: ['serverlessV2MaxCapacity'],
  },
  // RDS counts the retention in days (BackupRetentionPeriod), aws-cdk-lib converts it with toDays().
  backupRetention: {
    kind: { kind: 'duration', unit: 'days', min: Duration.days(1), max: Duration.days(35) },
    default: forNewCluster(Duration.days(7)),
    defaultDoc: 'Duration.days(7)',
    readmeDefault: '7-day backups',
    conflicts: WITH_GIVEN_CLUSTER,
  },
  engineVersion: {
    kind: { kind: 'other' },
    default: forNewCluster(rds.AuroraPostgresEngineVersion.VER_17_5),
    defaultDoc: 'rds.AuroraPostgresEngineVersion.VER_17_5',
    readmeDefault: 'Aurora PostgreSQL 17.5',
    conflicts: WITH_GIVEN_CLUSTER,
  },
  deletionProtection: {
    kind: { kind: 'boolean' },
    default: forNewCluster(true),
    defaultDoc: 'true',
    readmeDefault: 'deletion protection',
    conflicts: WITH_GIVEN_CLUSTER,
  },
  // Lambda counts both in seconds (Timeout, MaximumEventAgeInSeconds).
  timeout: { kind: FUNCTION_TIMEOUT },
  maxEventAge: { kind: FUNCTION_MAX_EVENT_AGE },
  environment: {
    kind: { kind: 'other' },
    validate: (environment, path) => {
      for (const name of RESERVED_ENVIRONMENT) {
        if (environment[name] !== undefined) {
          throw new Error(`${path} must not set ${name}: AuroraIamFunction sets it for the connection helper`);
        }
      }
    },
  },
  cluster: {
    kind: { kind: 'other' },
    defaultDoc: '- a new Aurora PostgreSQL Serverless v2 cluster with IAM authentication, encrypted',
    validate: (cluster, path, props) => {
      const family = cluster.engine?.engineFamily;
      if (family !== undefined && family !== 'POSTGRESQL') {
        throw new Error(`${path} must be Aurora PostgreSQL (engine family POSTGRESQL), got ${family}`);
      }
      try {
        void cluster.clusterResourceIdentifier;
      } catch {
        throw new Error(`${path} has no clusterResourceIdentifier: import it with DatabaseCluster.fromDatabaseClusterAttributes({ clusterResourceIdentifier, ... }); the rds-db:connect grant names it`);
      }
      if (props.adminSecret === undefined) {
        throw new Error('adminSecret is required when the cluster has no secret (an imported cluster, or credentials without one): the user-creation handler signs in with it');
      }
    },
  },
  // A cluster this construct defines has its own secret; any other one would not sign in to it.
  adminSecret: {
    kind: { kind: 'other' },
    default: (props) => (props.cluster instanceof rds.DatabaseCluster ? props.cluster.secret : undefined),
    defaultDoc: '- the secret of the cluster, when it is a `DatabaseCluster` that has one',
    requires: ['cluster'],
  },
  databaseSubnets: {
    kind: { kind: 'other' },
    // Used by a cluster this construct defines and by the proxy: with neither, a given value would be ignored.
    default: (props) => (props.cluster && !props.proxy ? undefined : defaultDatabaseSubnets(props.vpc!)),
    validate: (_subnets, path, props) => {
      if (props.cluster && !props.proxy) {
        throw new Error(`${path} places a cluster this construct defines or its RDS Proxy: with a given cluster it needs proxy: true, or it would be ignored`);
      }
    },
    defaultDoc: '- the VPC\'s isolated subnets, or its private subnets with egress if it has no isolated ones',
    readmeDefault: 'isolated subnets (else private',
  },
  vpcSubnets: {
    kind: { kind: 'other' },
    default: (props) => defaultPrivateSubnets(props.vpc!),
    defaultDoc: '- the VPC\'s private subnets with egress, or its isolated subnets if it has none',
    readmeDefault: 'private subnets with egress (else isolated',
  },
  proxy: { kind: { kind: 'boolean' }, default: false, defaultDoc: 'false' },
  alarmTopic: { kind: { kind: 'other' }, defaultDoc: '- the alarms have no actions', readmeDefault: 'actions on `alarmTopic`' },
});

/** The validated, defaulted configuration of an AuroraIamFunction. */
export type AuroraIamFunctionConfig = Resolved<AuroraIamFunctionProps, typeof AURORA_IAM_FUNCTION_SPEC.rows> & { readonly vpc: ec2.IVpc };

/**
 * `resolveProps` of {@link AURORA_IAM_FUNCTION_SPEC}, with `vpc` required (jsii forbids re-declaring
 * an inherited prop as required, and a spec row checks given values only).
 */
export function resolveAuroraIamFunctionProps(props: AuroraIamFunctionProps): AuroraIamFunctionConfig {
  const vpc = props.vpc;
  if (!vpc) {
    throw new Error('vpc is required: AuroraIamFunction places the function, the user-creation handler and the database in it');
  }
  return { ...resolveProps(AURORA_IAM_FUNCTION_SPEC, props), vpc };
}

/** The spec of {@link AuroraIamDatabaseUserProps}. */
export const DATABASE_USER_SPEC = defineSpec<AuroraIamDatabaseUserProps>()({
  userName: { kind: POSTGRES_IDENTIFIER },
  roles: { kind: { kind: 'other' }, default: () => [], defaultDoc: '- none', validate: (roles, path) => validatePostgresIdentifiers(path, roles) },
  // Any existing database: the handler only connects to it (AuroraIamFunction, which may create it, checks its name).
  databaseName: { kind: { kind: 'other' }, default: 'postgres', defaultDoc: "'postgres'" },
  vpcSubnets: {
    kind: { kind: 'other' },
    default: (props) => defaultPrivateSubnets(props.vpc),
    defaultDoc: '- the VPC\'s private subnets with egress, or its isolated subnets if it has none',
  },
  removalPolicy: { kind: REMOVAL_POLICIES, default: RemovalPolicy.RETAIN, defaultDoc: 'RemovalPolicy.RETAIN' },
});
