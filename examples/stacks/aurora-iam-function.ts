import * as path from 'path';
import { Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { AuroraIamFunction } from '../../src';
import { acknowledgeGuardRule } from '../../src/common/guard';
import { bundledHandler } from '../../test/support/bundle';

/**
 * The most common AuroraIamFunction: a new Aurora PostgreSQL Serverless v2 cluster in isolated
 * subnets, the function in private subnets (whose NAT also lets the user-creation handler reach
 * Secrets Manager), and an application user with the predefined read/write roles.
 */
export class AuroraIamFunctionExampleStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        // (the NAT gateway has its own Elastic IP: nothing in these subnets needs an automatic one)
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, mapPublicIpOnLaunch: false },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        { name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
    });
    const flowLog = vpc.addFlowLog('FlowLog');
    acknowledgeGuardRule(flowLog.node.findChild('LogGroup'), 'cloudwatch_log_group_encrypted_check',
      'The VPC flow log of the example network: CloudWatch Logs encrypts it at rest; a customer-managed key is the network owner\'s choice.');

    new AuroraIamFunction(this, 'Orders', {
      vpc,
      code: bundledHandler(path.join(__dirname, '..', 'readme', 'aurora-iam-function-handler.ts')),
      handler: 'index.handler',
      databaseName: 'orders',
      databaseUserName: 'orders_app',
      databaseUserRoles: ['pg_read_all_data', 'pg_write_all_data'],
    });
  }
}
