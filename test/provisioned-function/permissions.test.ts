import { App, Stack } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ProvisionedFunction } from '../../src';
import { Call, simulate } from '../support/permissions';

/**
 * The calls ProvisionedFunction's principals make during a gradual deployment, simulated against the
 * policies the stack synthesizes (test/support/permissions.ts). CodeDeploy's role invokes the traffic
 * hooks (CodeDeploy user guide, "AppSpec 'hooks' section for an AWS Lambda deployment"), and each hook
 * reports its result with codedeploy:PutLifecycleEventHookExecutionStatus, an action the service
 * authorization reference lists with no resource type, so it is requested on `*`. (What
 * AWSCodeDeployRoleForLambdaLimited grants, an AWS-managed policy, is not in the template.)
 */
const code = lambda.Code.fromInline('exports.handler = async () => ({});');
const runtime = lambda.Runtime.NODEJS_24_X;
const stack = new Stack(new App(), 'S');
const preHook = new lambda.Function(stack, 'PreHook', { runtime, handler: 'index.handler', code });
const postHook = new lambda.Function(stack, 'PostHook', { runtime, handler: 'index.handler', code });
const other = new lambda.Function(stack, 'Other', { runtime, handler: 'index.handler', code });
const fn = new ProvisionedFunction(stack, 'Api', {
  runtime,
  handler: 'index.handler',
  code,
  provisionedConcurrency: 2,
  deployment: { deploymentConfig: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES, preHook, postHook },
});
const codeDeploy = fn.deploymentGroup!.role;

describe('ProvisionedFunction permissions', () => {
  test.each<[string, Call]>([
    ["CodeDeploy's role: lambda:InvokeFunction on the pre-traffic hook", { who: codeDeploy, action: 'lambda:InvokeFunction', resource: preHook.functionArn }],
    ["CodeDeploy's role: lambda:InvokeFunction on the post-traffic hook", { who: codeDeploy, action: 'lambda:InvokeFunction', resource: postHook.functionArn }],
  ])('allowed: %s', async (_name, call) => {
    expect(await simulate(stack, call)).toBe('Allowed');
  });

  test.each<[string, Call]>([
    ["CodeDeploy's role: lambda:InvokeFunction on another function", { who: codeDeploy, action: 'lambda:InvokeFunction', resource: other.functionArn }],
    ['the pre-traffic hook: lambda:InvokeFunction on the alias', { who: preHook.role!, action: 'lambda:InvokeFunction', resource: fn.alias.functionArn }],
  ])('denied: %s', async (_name, call) => {
    expect(await simulate(stack, call)).toMatch(/Denied$/);
  });

  // aws-cdk-lib's LambdaDeploymentGroup grants this on the deployment group's ARN only, which by the
  // reference cannot take effect (IAM_KNOWN_GAPS in test/support/judges/iam.ts); ProvisionedFunction
  // grants it on `*` to each hook's role.
  test.each<[string, Call]>([
    ['the pre-traffic hook: codedeploy:PutLifecycleEventHookExecutionStatus', { who: preHook.role!, action: 'codedeploy:PutLifecycleEventHookExecutionStatus', resource: '*' }],
    ['the post-traffic hook: codedeploy:PutLifecycleEventHookExecutionStatus', { who: postHook.role!, action: 'codedeploy:PutLifecycleEventHookExecutionStatus', resource: '*' }],
  ])('allowed: %s', async (_name, call) => {
    expect(await simulate(stack, call)).toBe('Allowed');
  });
});
