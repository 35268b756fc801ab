import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ProvisionedFunction } from '../src';
import { enforceNag } from './support/gates';

/**
 * Deploys a ProvisionedFunction with auto-scaling and a CodeDeploy group, then proves on AWS that
 * (1) the alias's provisioned concurrency reaches READY at the auto-scaling floor although the
 * alias declares none (registering the scalable target allocates it: the scalable target alone
 * owns the value) and (2) an invocation through the alias succeeds and runs in a provisioned
 * environment (Lambda sets AWS_LAMBDA_INITIALIZATION_TYPE).
 */
const app = new App();
const stack = new Stack(app, 'ProvisionedFunctionInteg');

const pf = new ProvisionedFunction(stack, 'Api', {
  runtime: lambda.Runtime.NODEJS_24_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline([
    'exports.handler = async (event) => ({',
    '  greeting: `hello ${event.name}`,',
    '  initializationType: process.env.AWS_LAMBDA_INITIALIZATION_TYPE,',
    '});',
  ].join('\n')),
  provisionedConcurrency: 1,
  autoScaling: { maxCapacity: 2 },
  deployment: { deploymentConfig: codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE },
});

const integ = new IntegTest(app, 'ProvisionedFunctionTest', {
  testCases: [stack],
  // Every code or configuration change publishes a new version and retires the old one.
  allowDestroy: ['AWS::Lambda::Version'],
});

const ready = integ.assertions.awsApiCall('Lambda', 'getProvisionedConcurrencyConfig', {
  FunctionName: pf.lambdaFunction.functionName,
  Qualifier: pf.alias.aliasName,
}).expect(ExpectedResult.objectLike({ Status: 'READY', AllocatedProvisionedConcurrentExecutions: 1 }))
  .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });

// `name:alias` invokes the alias (the provider's IAM grant is built from a name, not an ARN). No
// assertion on the version number: a cross-stack export of it would block the next code update.
const invoke = integ.assertions.invokeFunction({
  functionName: `${pf.lambdaFunction.functionName}:${pf.alias.aliasName}`,
  payload: JSON.stringify({ name: 'integ' }),
});
invoke.expect(ExpectedResult.objectLike({
  StatusCode: 200,
  Payload: Match.serializedJson({ greeting: 'hello integ', initializationType: 'provisioned-concurrency' }),
}));
ready.next(invoke);

enforceNag(stack);
