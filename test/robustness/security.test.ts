import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  encryptionViolations, logGroupViolations, securityReview, sslViolations, wildcardResourceViolations,
} from './support/security-review';
import { loadSubjects } from './support/subject';
import { buildExampleApp } from '../../examples/app';

/**
 * Security review as tests, over the default and fullest configuration of every construct and
 * over every stack of the example app: no identity policy on `Resource: "*"` outside the
 * allow-list (see WILDCARD_RESOURCE_ALLOWED for the reasons), every queue, topic, stream, bucket
 * and database encrypted at rest, every queue, topic and bucket refusing requests without TLS,
 * every function logging to a log group of the template with a retention.
 */
const configurations = loadSubjects().flatMap((subject) => Object.entries(subject.configurations)
  .map(([kind, build]) => [`${subject.name} ${kind}`, build] as const));

describe.each(configurations)('%s configuration', (_name, build) => {
  test('passes the security review', () => {
    const stack = new Stack(new App(), 'Review');
    build(stack);
    expect(securityReview(Template.fromStack(stack).toJSON())).toEqual([]);
  });
});

describe('example app', () => {
  test.each(buildExampleApp().stacks.map((s) => [s.stackName, s] as const))('%s passes the security review', (_name, stack) => {
    expect(securityReview(Template.fromStack(stack).toJSON())).toEqual([]);
  });
});

/** The review itself: each check finds what it is meant to find in a plain L2 stack. */
describe('the review catches', () => {
  const insecure = () => {
    const stack = new Stack(new App(), 'Insecure');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['xray:PutTraceSegments'], resources: ['*'] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 's3:GetObject'], resources: ['*'] }));
    role.addToPolicy(new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['s3:*'], resources: ['*'] }));
    // allowed for CDK Pipelines' self-mutation role only
    role.addToPolicy(new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: ['*'] }));
    new sqs.Queue(stack, 'Queue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    new sns.Topic(stack, 'Topic');
    new s3.Bucket(stack, 'Bucket', { encryption: s3.BucketEncryption.S3_MANAGED });
    new logs.LogGroup(stack, 'Forever', { retention: logs.RetentionDays.INFINITE });
    new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler=()=>1') });
    return Template.fromStack(stack).toJSON();
  };

  test('an allow statement on * mixing allowed and other actions, and one allowed only elsewhere (not the allowed one, not the Deny)', () => {
    expect(wildcardResourceViolations(insecure())).toEqual([
      expect.stringMatching(/^Role\w+: Resource "\*" for xray:PutTraceSegments, s3:GetObject$/),
      expect.stringMatching(/^Role\w+: Resource "\*" for cloudformation:DescribeStacks$/),
    ]);
  });

  test('an unencrypted queue and topic (not the SSE-S3 bucket)', () => {
    expect(encryptionViolations(insecure())).toEqual([
      expect.stringMatching(/^Queue\w+ \(AWS::SQS::Queue\): not encrypted/),
      expect.stringMatching(/^Topic\w+ \(AWS::SNS::Topic\): not encrypted/),
    ]);
  });

  test('a queue, topic and bucket without a TLS-only policy; not one with enforceSSL', () => {
    const template = insecure();
    expect(sslViolations(template)).toEqual([
      expect.stringMatching(/^Queue\w+ \(AWS::SQS::Queue\): no AWS::SQS::QueuePolicy/),
      expect.stringMatching(/^Topic\w+ \(AWS::SNS::Topic\): no AWS::SNS::TopicPolicy/),
      expect.stringMatching(/^Bucket\w+ \(AWS::S3::Bucket\): no AWS::S3::BucketPolicy/),
    ]);
    const stack = new Stack(new App(), 'Secure');
    new sqs.Queue(stack, 'Queue', { enforceSSL: true });
    new sns.Topic(stack, 'Topic', { enforceSSL: true });
    new s3.Bucket(stack, 'Bucket', { enforceSSL: true });
    expect(sslViolations(Template.fromStack(stack).toJSON())).toEqual([]);
  });

  test('a log group kept forever and a function logging to an implicit log group', () => {
    expect(logGroupViolations(insecure())).toEqual([
      expect.stringMatching(/^Forever\w+ \(AWS::Logs::LogGroup\): no retention/),
      expect.stringMatching(/^Fn\w+ \(AWS::Lambda::Function\): logs to an implicit log group/),
    ]);
  });
});
