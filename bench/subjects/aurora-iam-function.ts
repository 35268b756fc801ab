import * as path from 'path';
import { CustomResource, Duration, RemovalPolicy, Tokenization } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { AuroraIamFunction } from '../../src';
import { BenchSubject } from '../support/subject';

const code = lambda.Code.fromInline('exports.handler = async () => 1;');
const ENI_ACTIONS = ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'];

/** The user's VPC (isolated subnets), the same in both variants. */
function vpcOf(scope: Construct): ec2.Vpc {
  return new ec2.Vpc(scope, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
}

/** A function the way the library defines them: own log group, role, tracing and ENI policies, 512 MB. */
function tracedVpcFunction(scope: Construct, id: string, props: lambda.FunctionProps): lambda.Function {
  const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, { retention: logs.RetentionDays.ONE_YEAR });
  const role = new iam.Role(scope, `${id}ServiceRole`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  logGroup.grantWrite(role);
  const tracing = new iam.Policy(scope, `${id}TracingPolicy`, {
    roles: [role], statements: [new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] })],
  });
  const eni = new iam.Policy(scope, `${id}NetworkInterfacePolicy`, { roles: [role], statements: [new iam.PolicyStatement({ actions: ENI_ACTIONS, resources: ['*'] })] });
  const fn = new lambda.Function(scope, id, { memorySize: 512, timeout: Duration.seconds(30), ...props, logGroup, role });
  (fn.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: 'Active' };
  fn.node.addDependency(tracing, eni);
  return fn;
}

/**
 * A default AuroraIamFunction, and by hand: an Aurora PostgreSQL Serverless v2 cluster with IAM
 * authentication and a TLS-only parameter group, the database-user custom resource (the same
 * shipped handler bundle behind a Provider with its own role and log group), the function with
 * its DB_* environment, security groups and rds-db:connect grant, errors and capacity alarms.
 */
export const subject: BenchSubject = {
  name: 'AuroraIamFunction',
  construct: (parent, id) => {
    const scope = new Construct(parent, id);
    new AuroraIamFunction(scope, 'Fn', { vpc: vpcOf(scope), code, handler: 'index.handler' });
  },
  floor: (parent, id) => {
    const outer = new Construct(parent, id);
    const vpc = vpcOf(outer);
    const scope = new Construct(outer, 'Fn');
    const subnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    const engine = rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_5 });
    const cluster = new rds.DatabaseCluster(scope, 'Cluster', {
      engine,
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      serverlessV2MinCapacity: 0.5,
      serverlessV2MaxCapacity: 4,
      vpc,
      vpcSubnets: subnets,
      port: 5432,
      iamAuthentication: true,
      storageEncrypted: true,
      parameterGroup: new rds.ParameterGroup(scope, 'ParameterGroup', { engine, parameters: { 'rds.force_ssl': '1' } }),
      deletionProtection: true,
      backup: { retention: Duration.days(7) },
      cloudwatchLogsExports: ['postgresql'],
    });

    const userScope = new Construct(scope, 'DatabaseUser');
    const handlerSecurityGroup = new ec2.SecurityGroup(userScope, 'SecurityGroup', { vpc });
    const handler = tracedVpcFunction(userScope, 'Handler', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, '..', '..', 'assets', 'aurora-iam-function', 'db-user.lambda')),
      timeout: Duration.minutes(2),
      vpc,
      vpcSubnets: subnets,
      securityGroups: [handlerSecurityGroup],
      environment: { NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' },
    });
    cluster.secret!.grantRead(handler);
    cluster.connections.allowDefaultPortFrom(handler);
    const providerLogGroup = new logs.LogGroup(userScope, 'ProviderLogGroup', { retention: logs.RetentionDays.ONE_YEAR });
    const providerRole = new iam.Role(userScope, 'ProviderRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    providerLogGroup.grantWrite(providerRole);
    const provider = new cr.Provider(userScope, 'Provider', { onEventHandler: handler, frameworkOnEventRole: providerRole, logGroup: providerLogGroup });
    const user = new CustomResource(userScope, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::AuroraIamDatabaseUser',
      removalPolicy: RemovalPolicy.RETAIN,
      properties: {
        SecretArn: cluster.secret!.secretArn,
        Host: cluster.clusterEndpoint.hostname,
        Port: Tokenization.stringifyNumber(cluster.clusterEndpoint.port),
        Database: 'postgres',
        UserName: 'lambda_iam_user',
        Roles: [],
        OnDelete: 'retain',
      },
    });
    user.node.addDependency(cluster);

    const fn = tracedVpcFunction(scope, 'Function', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code,
      vpc,
      vpcSubnets: subnets,
      securityGroups: [new ec2.SecurityGroup(scope, 'SecurityGroup', { vpc })],
      environment: {
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
        DB_HOST: cluster.clusterEndpoint.hostname,
        DB_PORT: Tokenization.stringifyNumber(cluster.clusterEndpoint.port),
        DB_NAME: 'postgres',
        DB_USER: 'lambda_iam_user',
      },
    });
    fn.node.addDependency(user);
    cluster.connections.allowDefaultPortFrom(fn);
    cluster.grantConnect(fn, 'lambda_iam_user');

    new cloudwatch.Alarm(scope, 'ErrorsAlarm', {
      metric: fn.metricErrors({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    new cloudwatch.Alarm(scope, 'CapacityAlarm', {
      metric: cluster.metric('ACUUtilization', { statistic: 'Average', period: Duration.minutes(5) }),
      threshold: 90,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  },
};
