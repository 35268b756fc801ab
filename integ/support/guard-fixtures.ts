import { Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { acknowledgeGuardRule } from '../../src/common/guard';

/*
 * The AWS Control Tower findings on the integ apps' own scaffolding, which stands for a caller's
 * resources around the construct under test: acknowledged here, each with its reason.
 */

/** A test VPC with a flow log (CloudWatch Logs), as each integ app's VPC has. */
export function acknowledgeTestVpc(vpc: ec2.Vpc): void {
  acknowledgeGuardRule(vpc.node.findChild('FlowLog').node.findChild('LogGroup'), 'cloudwatch_log_group_encrypted_check',
    "The test VPC's flow log: CloudWatch Logs encrypts it at rest; a customer-managed key is the network owner's choice.");
  // integ-runner synthesizes with @aws-cdk/aws-ec2:restrictDefaultSecurityGroup, for which
  // aws-cdk-lib adds one handler per stack that removes the default security group's rules.
  const provider = Stack.of(vpc).node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
  if (provider) {
    acknowledgeGuardRule(provider.node.findChild('Handler'), 'lambda_inside_vpc_check',
      "aws-cdk-lib's handler that removes the default security group's rules only calls the EC2 API.");
  }
}

/** A log group that lives as long as one test run. */
export function acknowledgeTestLogGroup(logGroup: logs.LogGroup): void {
  acknowledgeGuardRule(logGroup, 'cloudwatch_log_group_retention_period_check', 'A test log group: kept a week, and destroyed with the test.');
  acknowledgeGuardRule(logGroup, 'cloudwatch_log_group_encrypted_check', 'A test log group: CloudWatch Logs encrypts it at rest, which suffices for test data.');
}

/** A table of test data. */
export function acknowledgeTestTable(table: dynamodb.Table): void {
  acknowledgeGuardRule(table, 'dynamodb_table_encrypted_kms_check', "A test table: DynamoDB's encryption with an AWS-owned key suffices for test data.");
}
