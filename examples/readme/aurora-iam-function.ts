// README examples of AuroraIamFunction, compiled against the real API (type-checked, not run).
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AuroraIamFunction } from '../../src';

declare const stack: Stack;
declare const vpc: ec2.IVpc;

const orders = new AuroraIamFunction(stack, 'Orders', {
  vpc,
  code: lambda.Code.fromAsset('dist/orders'), // your bundled handler.ts
  handler: 'index.handler',
  databaseName: 'orders',
  databaseUserName: 'orders_app',
  databaseUserRoles: ['pg_read_all_data', 'pg_write_all_data'],
});

const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Db', {
  clusterIdentifier: 'orders',
  clusterResourceIdentifier: 'cluster-ABCDEFGHIJKL01234', // needed for the rds-db:connect grant
  clusterEndpointAddress: 'orders.cluster-abc.eu-west-1.rds.amazonaws.com',
  port: 5432,
  securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'DbSg', 'sg-0123456789abcdef0')],
  engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_5 }),
});
new AuroraIamFunction(stack, 'Reports', {
  vpc,
  code: lambda.Code.fromAsset('dist/reports'),
  handler: 'index.handler',
  cluster,
  adminSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Admin', 'orders/admin'),
  proxy: true, // RDS Proxy with end-to-end IAM authentication
  databaseUserName: 'reports',
  databaseUserRoles: ['pg_read_all_data'],
  databaseUserRemovalPolicy: RemovalPolicy.DESTROY,
  timeout: Duration.seconds(10),
});

// The L2s are public: tune the cluster or the function directly.
const ordersCluster = orders.cluster as rds.DatabaseCluster;
ordersCluster.addRotationSingleUser({ automaticallyAfter: Duration.days(30) });
orders.lambdaFunction.addEnvironment('LOG_LEVEL', 'debug');
// Like any IGrantable / IConnectable:
orders.connections.allowTo(ec2.Peer.ipv4('10.0.0.0/16'), ec2.Port.tcp(443), 'internal API');
