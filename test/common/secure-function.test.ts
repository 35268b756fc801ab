import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { acknowledgeNagRule } from '../../src/common/nag';
import { createSecureFunction } from '../../src/common/secure-function';
import { expectCleanStack, nagFindings } from '../support/quality-gates';

const code = lambda.Code.fromInline('exports.handler = async () => ({ ok: true });');
const base = { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code };

function acknowledgeDlq(fn: lambda.Function) {
  // Each construct decides about async DLQs itself; this test is about the shared defaults.
  acknowledgeNagRule(fn, 'Serverless-LambdaDLQ', 'test: a synchronously invoked function');
}

describe('createSecureFunction', () => {
  test('defaults: own log group with retention, own role without managed policies, active tracing, memory and timeout', async () => {
    const stack = new Stack(new App(), 'S');
    acknowledgeDlq(createSecureFunction(stack, 'Function', base));
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 512,
      Timeout: 30,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^FunctionLogGroup') } },
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    t.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^FunctionTracingPolicy'),
      PolicyDocument: { Statement: [{ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*', Effect: 'Allow' }] },
    });
    await expectCleanStack(stack);
  });

  test('a wildcard grant added later to the role is still reported by cdk-nag', () => {
    const stack = new Stack(new App(), 'S');
    const fn = createSecureFunction(stack, 'Function', base);
    acknowledgeDlq(fn);
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    expect(nagFindings(stack)).toEqual([expect.stringMatching(/^AwsSolutions-IAM5\[Resource::\*\] @ S\/FunctionServiceRole\/DefaultPolicy/)]);
  });

  test('in a VPC the ENI permissions are granted in their own policy', async () => {
    const stack = new Stack(new App(), 'S');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    new ec2.FlowLog(stack, 'FlowLog', { resourceType: ec2.FlowLogResourceType.fromVpc(vpc) });
    acknowledgeDlq(createSecureFunction(stack, 'Function', { ...base, vpc }));
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^FunctionNetworkInterfacePolicy'),
      PolicyDocument: { Statement: [Match.objectLike({ Action: Match.arrayWith(['ec2:CreateNetworkInterface']), Resource: '*' })] },
    });
    await expectCleanStack(stack);
  });

  test('keys present with the value undefined keep the defaults', () => {
    const stack = new Stack(new App(), 'S');
    createSecureFunction(stack, 'Function', { ...base, timeout: undefined, memorySize: undefined });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Timeout: 30, MemorySize: 512 });
  });

  test('a given role, log group settings and tracing mode are respected', () => {
    const stack = new Stack(new App(), 'S');
    const role = new iam.Role(stack, 'MyRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    createSecureFunction(stack, 'Function', { ...base, role, tracing: lambda.Tracing.PASS_THROUGH, memorySize: 1024 });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1024, TracingConfig: { Mode: 'PassThrough' } });
    t.resourceCountIs('AWS::IAM::Role', 1);
    expect(Object.keys(t.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('Tracing') } }))).toEqual([]);
  });
});
