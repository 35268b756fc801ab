import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { acknowledgeNagRule, nagResourceText } from '../../src/common/nag';
import { nagFindings } from '../support/quality-gates';

describe('acknowledgeNagRule', () => {
  test('acknowledges exactly one managed-policy finding, whose id core Validations would reject on its own', () => {
    const stack = new Stack(new App(), 'S');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole'));
    role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess'));
    acknowledgeNagRule(role, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', 'test');
    expect(nagFindings(stack)).toEqual([expect.stringMatching(/^AwsSolutions-IAM4\[Policy::arn:<AWS::Partition>:iam::aws:policy\/ReadOnlyAccess\] @ S\/Role\/Resource/)]);
  });
});

describe('nagResourceText', () => {
  test('renders references the way cdk-nag names them in finding ids', () => {
    const stack = new Stack(new App(), 'S');
    const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('x') });
    const fnId = stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction);
    expect(nagResourceText(stack, fn.functionArn)).toBe(`<${fnId}.Arn>`);
    expect(nagResourceText(stack, fn.functionName)).toBe(`<${fnId}>`);
    expect(nagResourceText(stack, `${fn.functionArn}:*`)).toBe(`<${fnId}.Arn>:*`);
    expect(nagResourceText(stack, 'arn:aws:lambda:eu-west-1:123456789012:function:f')).toBe('arn:aws:lambda:eu-west-1:123456789012:function:f');
  });

  test('a wildcard acknowledged by its rendered id is no longer reported', () => {
    const stack = new Stack(new App(), 'S');
    const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('x') });
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    fn.grantInvoke(role);
    const id = `AwsSolutions-IAM5[Resource::${nagResourceText(stack, fn.functionArn)}:*]`;
    expect(nagFindings(stack).filter((f) => f.includes('S/Caller'))).toEqual([expect.stringContaining(id)]);
    acknowledgeNagRule(role, id, 'test');
    expect(nagFindings(stack).filter((f) => f.includes('S/Caller'))).toEqual([]);
  });
});
