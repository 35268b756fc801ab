import { CfnElement, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeNagRule } from './nag';
import { SECURE_FUNCTION_DEFAULTS } from './secure-function';

/**
 * A custom-resource Provider (`<scope>/Provider`) in front of `handler`. Its framework function
 * gets its own role (`ProviderRole`) and log group (`ProviderLogGroup`) rather than CDK's default
 * role with the AWS-managed AWSLambdaBasicExecutionRole (which may write to any log group).
 */
export function createProvider(scope: Construct, handler: lambda.Function): cr.Provider {
  const logGroup = new logs.LogGroup(scope, 'ProviderLogGroup', { retention: SECURE_FUNCTION_DEFAULTS.logRetention });
  const role = new iam.Role(scope, 'ProviderRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  logGroup.grantWrite(role);
  const provider = new cr.Provider(scope, 'Provider', {
    onEventHandler: handler,
    frameworkOnEventRole: role,
    logGroup,
  });
  acknowledgeProviderFramework(provider, role, handler);
  return provider;
}

/**
 * The Provider's framework function is aws-cdk-lib's code that only invokes our handler and
 * answers CloudFormation: its findings are acknowledged on it alone, each with why.
 */
function acknowledgeProviderFramework(provider: cr.Provider, role: iam.Role, handler: lambda.Function): void {
  const framework = provider.node.findChild('framework-onEvent');
  const handlerId = Stack.of(handler).getLogicalId(handler.node.defaultChild as CfnElement);
  acknowledgeNagRule(role, `AwsSolutions-IAM5[Resource::<${handlerId}.Arn>:*]`,
    'The Provider framework is granted invoke on the versions of the one handler it fronts (Function.grantInvoke adds the :* form).');
  for (const rule of ['AwsSolutions-L1', 'Serverless-LambdaLatestVersion']) {
    acknowledgeNagRule(framework, rule, 'The runtime of the custom-resource Provider framework is chosen by aws-cdk-lib, not by this construct.');
  }
  acknowledgeNagRule(framework, 'Serverless-LambdaDefaultMemorySize',
    'aws-cdk-lib sizes its Provider framework function; it only relays one synchronous invoke.');
  acknowledgeNagRule(framework, 'Serverless-LambdaDLQ',
    'Invoked by CloudFormation for the custom resource; every failure is reported to the stack, there is no event to park.');
  acknowledgeNagRule(framework, 'Serverless-LambdaTracing',
    'aws-cdk-lib\'s Provider framework relay; the handler it invokes is traced.');
}
