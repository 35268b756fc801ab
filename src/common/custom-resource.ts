import { CfnElement, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeGuardRule } from './guard';
import { acknowledgeNagRule, acknowledgeNoDeadLetterQueue } from './nag';
import { createFunctionLogGroup } from './secure-function';

/**
 * A `custom_resources.Provider` in front of one onEvent handler of ours. Its framework function
 * gets its own role (`<id>Role`) and log group (`<id>LogGroup`) rather than CDK's default role
 * with the AWS-managed AWSLambdaBasicExecutionRole (which may write to any log group).
 *
 * The framework function is aws-cdk-lib's code that only invokes the handler and answers
 * CloudFormation: its cdk-nag findings are acknowledged on it alone, each with why. The handler is
 * invoked synchronously by the framework, so its dead-letter finding is acknowledged here too.
 */
export function createCustomResourceProvider(scope: Construct, id: string, onEventHandler: lambda.Function): cr.Provider {
  const logGroup = createFunctionLogGroup(scope, `${id}LogGroup`);
  const role = new iam.Role(scope, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  logGroup.grantWrite(role);
  const provider = new cr.Provider(scope, id, { onEventHandler, frameworkOnEventRole: role, logGroup });

  const framework = provider.node.findChild('framework-onEvent');
  const handlerId = Stack.of(onEventHandler).getLogicalId(onEventHandler.node.defaultChild as CfnElement);
  acknowledgeNagRule(role, `AwsSolutions-IAM5[Resource::<${handlerId}.Arn>:*]`,
    'The Provider framework is granted invoke on the versions of the one handler it fronts (Function.grantInvoke adds the :* form).');
  for (const rule of ['AwsSolutions-L1', 'Serverless-LambdaLatestVersion']) {
    acknowledgeNagRule(framework, rule, 'The runtime of the custom-resource Provider framework is chosen by aws-cdk-lib, not by this construct.');
  }
  acknowledgeNagRule(framework, 'Serverless-LambdaDefaultMemorySize',
    'aws-cdk-lib sizes its Provider framework function; it only relays one synchronous invoke.');
  acknowledgeNoDeadLetterQueue(framework,
    'Invoked by CloudFormation for the custom resource; every failure is reported to the stack, there is no event to park.');
  acknowledgeNoDeadLetterQueue(onEventHandler,
    'Invoked synchronously by the custom-resource provider, which reports any failure to CloudFormation: there is no event to park.');
  acknowledgeNagRule(framework, 'Serverless-LambdaTracing',
    'aws-cdk-lib\'s Provider framework relay; the handler it invokes is traced.');
  acknowledgeGuardRule(framework, 'lambda_inside_vpc_check',
    'The Provider framework relay only invokes the handler and answers CloudFormation through a pre-signed S3 URL: it reaches nothing in a VPC.');
  return provider;
}
