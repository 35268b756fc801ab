import * as path from 'path';
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { enforceNag } from './gates';
import { acknowledgeTestVpc } from './guard-fixtures';
import { AuroraIamFunction, AuroraIamFunctionProps } from '../../src';
import { acknowledgeGuardRule } from '../../src/common/guard';
import { bundledHandler } from '../../test/support/bundle';

/**
 * The AuroraIamFunction integ scenarios: an Aurora PostgreSQL Serverless v2 cluster (minimum
 * capacity), the database user and a function, all in isolated subnets; then the function is
 * invoked: it logs in with an IAM token over TLS and reports who it is. Only a Secrets Manager
 * endpoint, open to the user handler alone, serves the VPC: the function needs nothing but the
 * database, since tokens are signed locally.
 */
export function auroraIamIntegApp(stackName: string, userName: string, props: Partial<AuroraIamFunctionProps> = {}): App {
  const app = new App();
  const stack = new Stack(app, stackName);

  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  vpc.addFlowLog('FlowLog');
  acknowledgeTestVpc(vpc);

  const fn = new AuroraIamFunction(stack, 'AuroraIamFunction', {
    vpc,
    code: bundledHandler(path.join(__dirname, '..', 'handlers', 'aurora-current-user.ts')),
    handler: 'index.handler',
    timeout: Duration.seconds(30),
    databaseUserName: userName,
    serverlessV2MinCapacity: 0.5,
    serverlessV2MaxCapacity: 1,
    backupRetention: Duration.days(1),
    // A test cluster goes away with the test.
    deletionProtection: false,
    ...props,
  });
  const cluster = fn.cluster as rds.DatabaseCluster;
  cluster.applyRemovalPolicy(RemovalPolicy.DESTROY);
  acknowledgeGuardRule(cluster, 'rds_cluster_deletion_protection_enabled_check',
    'A test cluster: deletion protection would keep the integ test from cleaning up after itself.');
  Validations.of(cluster).acknowledge({
    id: 'AwsSolutions-RDS10',
    reason: 'A test cluster: deletion protection would keep the integ test from cleaning up after itself.',
  });

  const endpoint = vpc.addInterfaceEndpoint('SecretsManager', {
    service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    open: false,
    securityGroups: [new ec2.SecurityGroup(stack, 'EndpointSecurityGroup', { vpc, description: 'Secrets Manager endpoint' })],
  });
  endpoint.connections.allowDefaultPortFrom(fn.databaseUser.handlerFunction, 'Database-user handler');

  const integ = new IntegTest(app, `${stackName}Test`, { testCases: [stack] });
  integ.assertions
    .invokeFunction({ functionName: fn.lambdaFunction.functionName })
    .expect(ExpectedResult.objectLike({ StatusCode: 200, Payload: JSON.stringify({ user: userName, ssl: true }) }));

  enforceNag(stack);
  return app;
}
