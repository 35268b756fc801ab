import { Annotations, Duration, Names, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { POSTGRES_PORT } from './network';
import { acknowledgeGuardRule } from '../../common/guard';
import { acknowledgeNagRule } from '../../common/nag';

/** The settings of the cluster AuroraIamFunction defines (validated and defaulted by its spec). */
export interface NewClusterOptions {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly databaseName: string;
  readonly engineVersion: rds.AuroraPostgresEngineVersion;
  readonly serverlessV2MinCapacity: number;
  readonly serverlessV2MaxCapacity: number;
  readonly deletionProtection: boolean;
  readonly backupRetention: Duration;
}

/**
 * The Aurora PostgreSQL Serverless v2 cluster an AuroraIamFunction defines when it is given none
 * (`Cluster` and its `ParameterGroup`, children of `scope`): IAM authentication, encrypted storage
 * and TLS required.
 */
export function defineCluster(scope: Construct, options: NewClusterOptions): rds.DatabaseCluster {
  const engine = rds.DatabaseClusterEngine.auroraPostgres({ version: options.engineVersion });
  const { serverlessV2MinCapacity: min, serverlessV2MaxCapacity: max } = options;
  // rds.DatabaseCluster range-checks a token's placeholder number and throws: a capacity known only
  // at deploy time goes to the L1 below, the L2 gets the defaults meanwhile.
  const tokenCapacity = Token.isUnresolved(min) || Token.isUnresolved(max);
  const cluster = new rds.DatabaseCluster(scope, 'Cluster', {
    engine,
    writer: rds.ClusterInstance.serverlessV2('Writer'),
    serverlessV2MinCapacity: tokenCapacity ? 0.5 : min,
    serverlessV2MaxCapacity: tokenCapacity ? 4 : max,
    vpc: options.vpc,
    vpcSubnets: options.subnets,
    port: POSTGRES_PORT,
    iamAuthentication: true,
    storageEncrypted: true,
    // TLS for every connection, as the IAM token must not travel in clear.
    parameterGroup: new rds.ParameterGroup(scope, 'ParameterGroup', {
      engine,
      description: 'TLS required (rds.force_ssl)',
      parameters: { 'rds.force_ssl': '1' },
    }),
    defaultDatabaseName: options.databaseName === 'postgres' ? undefined : options.databaseName,
    deletionProtection: options.deletionProtection,
    backup: { retention: options.backupRetention },
    cloudwatchLogsExports: ['postgresql'],
  });
  if (tokenCapacity) {
    (cluster.node.defaultChild as rds.CfnDBCluster).serverlessV2ScalingConfiguration = { minCapacity: min, maxCapacity: max };
  }
  acknowledgeGuardRule(cluster.node.findChild('Writer'), 'rds_instance_enhanced_monitoring_enabled_check',
    'Enhanced Monitoring (OS metrics billed as CloudWatch Logs, and a role with an AWS-managed policy) is not chosen for the caller; the cluster has its CloudWatch metrics and exports its PostgreSQL log. Give an own `cluster` to have it.');
  acknowledgeNagRule(cluster.node.findChild('Secret'), 'AwsSolutions-SMG4',
    'The admin secret is read only at deployment, by the database-user handler. Rotation needs its own Lambda with network access to Secrets Manager: add it with cluster.addRotationSingleUser() where the VPC provides that.');
  if (options.deletionProtection === false) {
    Annotations.of(scope).addWarningV2('cdk-serverless-patterns:AuroraIamFunction:noDeletionProtection',
      'deletionProtection is off: the cluster can be deleted with the stack (a final snapshot is still taken).');
  }
  return cluster;
}

/**
 * The RDS Proxy in front of `cluster` (`Proxy`, its `ProxyRole` and `ProxySecurityGroup`, children
 * of `scope`), with end-to-end IAM authentication: the proxy logs in as `userName` with its own
 * role's token, so it needs no secret.
 */
export function defineProxy(
  scope: Construct, cluster: rds.IDatabaseCluster, vpc: ec2.IVpc, subnets: ec2.SubnetSelection, userName: string,
): rds.DatabaseProxy {
  const role = new iam.Role(scope, 'ProxyRole', { assumedBy: new iam.ServicePrincipal('rds.amazonaws.com') });
  cluster.grantConnect(role, userName);
  const proxy = new rds.DatabaseProxy(scope, 'Proxy', {
    proxyTarget: rds.ProxyTarget.fromCluster(cluster),
    vpc,
    vpcSubnets: subnets,
    role,
    defaultAuthScheme: rds.DefaultAuthScheme.IAM_AUTH,
    requireTLS: true,
    securityGroups: [new ec2.SecurityGroup(scope, 'ProxySecurityGroup', { vpc, description: 'AuroraIamFunction RDS Proxy' })],
  });
  // Without the feature flag @aws-cdk/aws-rds:databaseProxyUniqueResourceName, DatabaseProxy names
  // every proxy after its construct id ("Proxy"), and proxy names are unique per account and Region:
  // a second AuroraIamFunction with a proxy would fail to deploy. This is the name the flag gives
  // (so turning it on later replaces nothing): letters and digits of the stack name and construct
  // path plus a hash, at most 60 characters, which meets RDS's rule (a letter first, then letters,
  // digits and hyphens, 1-63 characters) because a stack name starts with a letter.
  (proxy.node.defaultChild as rds.CfnDBProxy).dbProxyName = Names.uniqueResourceName(proxy, { maxLength: 60 });
  return proxy;
}
