import { App, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DurableSubscriber, DurableSubscriberProps } from '../../src';
import { acknowledgeNagRule } from '../../src/common/nag';
import { createSecureFunction } from '../../src/common/secure-function';
import { DurationPropSpec, expectWholeDurationProp } from '../support/durations';
import { expectCleanStack, templateWithoutAssetHashes } from '../support/quality-gates';

const consumerProps: lambda.FunctionProps = {
  runtime: lambda.Runtime.NODEJS_24_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
};

function build(props: Partial<DurableSubscriberProps> = {}): { stack: Stack; subscriber: DurableSubscriber; t: Template } {
  const stack = new Stack(new App(), 'S');
  const subscriber = new DurableSubscriber(stack, 'Sub', { consumerProps, ...props });
  return { stack, subscriber, t: Template.fromStack(stack) };
}

function warnings(stack: Stack): string[] {
  return Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((w) => String(w.entry.data));
}

/** A function of the user's own (built like the library's, so cdk-nag judges only the subscriber). */
function userFunction(stack: Stack, id: string, timeout?: Duration): lambda.Function {
  const fn = createSecureFunction(stack, id, { ...consumerProps, timeout });
  acknowledgeNagRule(fn, 'Serverless-LambdaDLQ', 'test: invoked by an SQS event source mapping only');
  return fn;
}

const snsPrincipal = { Service: 'sns.amazonaws.com' };

describe('DurableSubscriber defaults', () => {
  test('a new topic encrypted with its own rotating key, refusing non-TLS publishes', async () => {
    const { stack, t } = build();
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SubTopicKey'), 'Arn'] } });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
    await expectCleanStack(stack);
  });

  test('the queue: SSE-SQS, visibility 6 x 30 s, redrive to a 14-day dead-letter queue after 5 receives', () => {
    const { t } = build();
    t.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 180,
      MessageRetentionPeriod: Match.absent(),
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SubDeadLetterQueue'), 'Arn'] }, maxReceiveCount: 5 },
    });
    for (const id of ['^SubDeadLetterQueue', '^SubSubscriptionDeadLetterQueue']) {
      const queues = t.findResources('AWS::SQS::Queue', { Properties: { MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true } });
      expect(Object.keys(queues).filter((k) => new RegExp(id).test(k))).toHaveLength(1);
    }
  });

  test('the queue policy lets only this topic send, and only over TLS', () => {
    const { t } = build();
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: Match.stringLikeRegexp('^SubQueue') }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          {
            Effect: 'Allow',
            Principal: snsPrincipal,
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SubQueue'), 'Arn'] },
            Condition: { ArnEquals: { 'aws:SourceArn': { Ref: Match.stringLikeRegexp('^SubTopic[0-9A-F]+$') } } },
          },
        ],
      },
    });
  });

  test('the subscription dead-letter queue policy lets only this topic send (one statement, not duplicated)', () => {
    const { t } = build();
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: Match.stringLikeRegexp('^SubSubscriptionDeadLetterQueue') }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          {
            Effect: 'Allow',
            Principal: snsPrincipal,
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SubSubscriptionDeadLetterQueue'), 'Arn'] },
            Condition: { ArnEquals: { 'aws:SourceArn': { Ref: Match.stringLikeRegexp('^SubTopic[0-9A-F]+$') } } },
          },
        ],
      },
    });
  });

  test('the queue dead-letter queue accepts nothing from SNS', () => {
    const { t } = build();
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: Match.stringLikeRegexp('^SubDeadLetterQueue') }],
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Action: 'sqs:*' })] },
    });
  });

  test('an SQS subscription with the subscription dead-letter queue as redrive target, created after both queue policies', () => {
    const { t } = build();
    const subscriptions = t.findResources('AWS::SNS::Subscription');
    expect(Object.values(subscriptions)).toHaveLength(1);
    const [subscription] = Object.values<any>(subscriptions);
    expect(subscription.Properties).toEqual({
      Protocol: 'sqs',
      TopicArn: { Ref: expect.stringMatching(/^SubTopic[0-9A-F]+$/) },
      Endpoint: { 'Fn::GetAtt': [expect.stringMatching(/^SubQueue/), 'Arn'] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^SubSubscriptionDeadLetterQueue/), 'Arn'] } },
    });
    expect(subscription.DependsOn).toEqual([
      expect.stringMatching(/^SubQueuePolicy/),
      expect.stringMatching(/^SubSubscriptionDeadLetterQueuePolicy/),
    ]);
  });

  test('the consumer: defined with the secure defaults, fed by an event source mapping reporting batch item failures', () => {
    const { t } = build();
    t.hasResourceProperties('AWS::Lambda::Function', { Timeout: 30, MemorySize: 512, TracingConfig: { Mode: 'Active' } });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SubQueue'), 'Arn'] },
      FunctionName: { Ref: Match.stringLikeRegexp('^SubFunction') },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumBatchingWindowInSeconds: Match.absent(),
      ScalingConfig: Match.absent(),
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Effect: 'Allow',
          Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
          Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SubQueue'), 'Arn'] },
        }]),
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^SubFunctionServiceRole') }],
    });
  });

  test('three alarms without actions: both dead-letter queue depths and the topic\'s failed redrives', () => {
    const { subscriber, t } = build();
    expect(subscriber.alarms).toHaveLength(3);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    for (const queue of ['^SubSubscriptionDeadLetterQueue', '^SubDeadLetterQueue']) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp(queue), 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 60,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: Match.absent(),
      });
    }
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SNS',
      MetricName: 'NumberOfNotificationsFailedToRedriveToDlq',
      Dimensions: [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SubTopic'), 'TopicName'] } }],
      Statistic: 'Sum',
      Threshold: 1,
    });
  });

  test('no warning with the defaults', () => {
    expect(warnings(build().stack)).toEqual([]);
  });

  test('snapshot (complement to the assertions above)', () => {
    expect(templateWithoutAssetHashes(build().stack)).toMatchSnapshot();
  });
});

describe('DurableSubscriber overrides', () => {
  test('the fullest configuration: customer-managed key, filter, raw delivery, batching, concurrency, alarm topic', async () => {
    const stack = new Stack(new App(), 'S');
    const queueEncryptionKey = new kms.Key(stack, 'QueueKey', { enableKeyRotation: true });
    const alarmTopic = new sns.Topic(stack, 'Alarms', { enforceSSL: true, masterKey: new kms.Key(stack, 'AlarmKey', { enableKeyRotation: true }) });
    new DurableSubscriber(stack, 'Sub', {
      consumerProps: { ...consumerProps, timeout: Duration.seconds(20) },
      queueEncryptionKey,
      rawMessageDelivery: true,
      filterPolicy: { kind: sns.SubscriptionFilter.stringFilter({ allowlist: ['order', 'refund'] }) },
      maxReceiveCount: 10,
      retentionPeriod: Duration.days(7),
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(10),
      maxConcurrency: 50,
      reportBatchItemFailures: false,
      alarmTopic,
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^QueueKey'), 'Arn'] },
      VisibilityTimeout: 130, // 6 x 20 s + 10 s
      MessageRetentionPeriod: 604800,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 10 }),
    });
    t.resourcePropertiesCountIs('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^QueueKey'), 'Arn'] } }, 3);
    t.hasResourceProperties('AWS::SNS::Subscription', { RawMessageDelivery: true, FilterPolicy: { kind: ['order', 'refund'] } });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 10,
      ScalingConfig: { MaximumConcurrency: 50 },
      FunctionResponseTypes: Match.absent(),
    });
    t.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
    }, 3);
    await expectCleanStack(stack);
  });

  test('a customer-managed key lets SNS use it for this topic only, and the consumer decrypt', () => {
    const stack = new Stack(new App(), 'S');
    const queueEncryptionKey = new kms.Key(stack, 'QueueKey', { enableKeyRotation: true });
    new DurableSubscriber(stack, 'Sub', { consumerProps, queueEncryptionKey });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([{
          Effect: 'Allow',
          Principal: snsPrincipal,
          Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          Resource: '*',
          Condition: { ArnEquals: { 'aws:SourceArn': { Ref: Match.stringLikeRegexp('^SubTopic[0-9A-F]+$') } } },
        }]),
      },
    });
    // No statement gives SNS the key without the topic condition.
    const keyPolicy = Object.values<any>(t.findResources('AWS::KMS::Key'))
      .flatMap((k) => k.Properties.KeyPolicy.Statement)
      .filter((s: any) => s.Principal?.Service === 'sns.amazonaws.com');
    expect(keyPolicy.every((s: any) => s.Condition?.ArnEquals?.['aws:SourceArn'])).toBe(true);
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^SubFunctionServiceRole') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^QueueKey'), 'Arn'] } })]) },
    });
  });

  test('an imported key cannot be given the SNS statement: warning', () => {
    const stack = new Stack(new App(), 'S');
    const queueEncryptionKey = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    new DurableSubscriber(stack, 'Sub', { consumerProps, queueEncryptionKey });
    expect(warnings(stack)).toEqual([expect.stringMatching(/^queueEncryptionKey is imported, so its key policy cannot be changed here: it must allow sns.amazonaws.com/)]);
  });

  test('fan-out: two subscribers on one topic, each with its own queue, filter and dead-letter queues', async () => {
    const stack = new Stack(new App(), 'S');
    const orders = new DurableSubscriber(stack, 'Orders', {
      consumerProps,
      filterPolicy: { kind: sns.SubscriptionFilter.stringFilter({ allowlist: ['order'] }) },
    });
    const refunds = new DurableSubscriber(stack, 'Refunds', {
      consumerProps,
      topic: orders.topic,
      filterPolicyWithMessageBody: { kind: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.stringFilter({ allowlist: ['refund'] })) },
    });
    expect(refunds.topic).toBe(orders.topic);
    expect(refunds.topicKey).toBeUndefined();
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SNS::Topic', 1);
    t.resourceCountIs('AWS::SQS::Queue', 6);
    const topicRef = { Ref: Match.stringLikeRegexp('^OrdersTopic[0-9A-F]+$') };
    t.hasResourceProperties('AWS::SNS::Subscription', { TopicArn: topicRef, Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrdersQueue'), 'Arn'] }, FilterPolicy: { kind: ['order'] } });
    t.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: topicRef,
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RefundsQueue'), 'Arn'] },
      FilterPolicy: { kind: ['refund'] },
      FilterPolicyScope: 'MessageBody',
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RefundsSubscriptionDeadLetterQueue'), 'Arn'] } },
    });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: Match.stringLikeRegexp('^RefundsQueue') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: snsPrincipal, Condition: { ArnEquals: { 'aws:SourceArn': topicRef } } })]) },
    });
    await expectCleanStack(stack);
  });

  test('a FIFO topic gets a FIFO queue and FIFO dead-letter queues', async () => {
    const { stack, t } = build({ fifo: true });
    t.hasResourceProperties('AWS::SNS::Topic', { FifoTopic: true });
    t.resourcePropertiesCountIs('AWS::SQS::Queue', { FifoQueue: true }, 3);
    await expectCleanStack(stack);
  });

  test('a given FIFO topic gets FIFO queues too', () => {
    const stack = new Stack(new App(), 'S');
    const topic = sns.Topic.fromTopicArn(stack, 'Topic', 'arn:aws:sns:us-east-1:111122223333:orders.fifo');
    new DurableSubscriber(stack, 'Sub', { consumerProps, topic });
    const t = Template.fromStack(stack);
    t.resourcePropertiesCountIs('AWS::SQS::Queue', { FifoQueue: true }, 3);
    t.resourceCountIs('AWS::SNS::Topic', 0);
    t.hasResourceProperties('AWS::SNS::Subscription', { TopicArn: 'arn:aws:sns:us-east-1:111122223333:orders.fifo' });
  });

  test('a topic in another region is subscribed across regions', () => {
    const stack = new Stack(new App(), 'S', { env: { region: 'eu-west-1' } });
    const topic = sns.Topic.fromTopicArn(stack, 'Topic', 'arn:aws:sns:us-east-1:111122223333:orders');
    new DurableSubscriber(stack, 'Sub', { consumerProps, topic });
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', { Region: 'us-east-1' });
  });

  test('a given function: its timeout sets the visibility timeout, its role gets the queue', async () => {
    const stack = new Stack(new App(), 'S');
    const fn = userFunction(stack, 'Consumer', Duration.seconds(10));
    const subscriber = new DurableSubscriber(stack, 'Sub', { consumer: fn });
    expect(subscriber.lambdaFunction).toBeUndefined();
    expect(subscriber.consumer).toBe(fn);
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 60 });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionName: { Ref: Match.stringLikeRegexp('^Consumer') } });
    t.resourceCountIs('AWS::Lambda::Function', 1);
    await expectCleanStack(stack);
  });

  test('a function without a timeout counts as Lambda\'s 3 seconds', () => {
    const stack = new Stack(new App(), 'S');
    // (a plain L2 function: the library's own functions always get an explicit timeout)
    new DurableSubscriber(stack, 'Sub', { consumer: new lambda.Function(stack, 'Consumer', consumerProps) });
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 18 });
  });

  test('an alias (as a ProvisionedFunction gives) is invoked through the alias, timed by its function', async () => {
    const stack = new Stack(new App(), 'S');
    const fn = userFunction(stack, 'Consumer', Duration.seconds(15));
    const alias = new lambda.Alias(stack, 'Live', { aliasName: 'live', version: fn.currentVersion });
    new DurableSubscriber(stack, 'Sub', { consumer: alias });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 90 });
    // The alias's qualified name, `<function>:live`, so every invocation goes through the alias.
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { 'Fn::Join': ['', [{ 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: Match.stringLikeRegexp('^Live') }] }] }, ':live']] },
    });
    await expectCleanStack(stack);
  });

  test('an imported function needs an explicit visibility timeout', () => {
    const stack = new Stack(new App(), 'S');
    const consumer = lambda.Function.fromFunctionName(stack, 'Consumer', 'orders');
    expect(() => new DurableSubscriber(stack, 'Sub', { consumer }))
      .toThrow(/visibilityTimeout must be given when the consumer's timeout or the batching window is not known at synth time/);
    new DurableSubscriber(stack, 'Sub2', { consumer, visibilityTimeout: Duration.minutes(5) });
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 300 });
    expect(warnings(stack)).toEqual([expect.stringMatching(/^The consumer was imported without its role, so it cannot be granted the queue here/)]);
  });

  test('grantRedrive: message move tasks on the dead-letter queue, consume both dead-letter queues, send to the queue', () => {
    const stack = new Stack(new App(), 'S');
    const subscriber = new DurableSubscriber(stack, 'Sub', { consumerProps });
    const operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    expect(subscriber.grantRedrive(operator).success).toBe(true);
    const consume = ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];
    const arn = (id: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^Sub${id}[0-9A-F]{8}$`), 'Arn'] });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Operator') }],
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: ['sqs:StartMessageMoveTask', 'sqs:ListMessageMoveTasks', 'sqs:CancelMessageMoveTask'], Resource: arn('DeadLetterQueue') },
          { Effect: 'Allow', Action: consume, Resource: arn('DeadLetterQueue') },
          { Effect: 'Allow', Action: consume, Resource: arn('SubscriptionDeadLetterQueue') },
          { Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], Resource: arn('Queue') },
        ],
      },
    });
  });

  test('grantPublish includes the topic key', () => {
    const stack = new Stack(new App(), 'S');
    const subscriber = new DurableSubscriber(stack, 'Sub', { consumerProps });
    const publisher = new iam.Role(stack, 'Publisher', { assumedBy: new iam.AccountRootPrincipal() });
    subscriber.grantPublish(publisher);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Publisher') }],
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: Match.stringLikeRegexp('^SubTopic[0-9A-F]+$') } },
          { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SubTopicKey'), 'Arn'] } },
        ],
      },
    });
  });

  test('metric methods name the CloudWatch metric, its namespace and dimension', () => {
    const { stack, subscriber } = build();
    const render = (m: cloudwatch.Metric) =>
      stack.resolve({ ns: m.namespace, name: m.metricName, stat: m.statistic, period: m.period.toSeconds(), dims: m.dimensions });
    const queueDims = (id: string) => ({ QueueName: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^Sub${id}[0-9A-F]{8}$`)), 'QueueName'] } });
    const topicDims = { TopicName: { 'Fn::GetAtt': [expect.stringMatching(/^SubTopic[0-9A-F]{8}$/), 'TopicName'] } };
    // The library's default period, as aws-cdk-lib's: 5 minutes.
    expect(render(subscriber.metricApproximateAgeOfOldestMessage())).toEqual({ ns: 'AWS/SQS', name: 'ApproximateAgeOfOldestMessage', stat: 'Maximum', period: 300, dims: queueDims('Queue') });
    expect(render(subscriber.metricApproximateNumberOfMessagesVisible())).toEqual({ ns: 'AWS/SQS', name: 'ApproximateNumberOfMessagesVisible', stat: 'Maximum', period: 300, dims: queueDims('Queue') });
    expect(render(subscriber.metricDeadLetterQueueApproximateNumberOfMessagesVisible())).toEqual({ ns: 'AWS/SQS', name: 'ApproximateNumberOfMessagesVisible', stat: 'Maximum', period: 300, dims: queueDims('DeadLetterQueue') });
    expect(render(subscriber.metricSubscriptionDeadLetterQueueApproximateNumberOfMessagesVisible())).toEqual({ ns: 'AWS/SQS', name: 'ApproximateNumberOfMessagesVisible', stat: 'Maximum', period: 300, dims: queueDims('SubscriptionDeadLetterQueue') });
    expect(render(subscriber.metricNumberOfMessagesPublished())).toEqual({ ns: 'AWS/SNS', name: 'NumberOfMessagesPublished', stat: 'Sum', period: 300, dims: topicDims });
    expect(render(subscriber.metricNumberOfNotificationsFailed())).toEqual({ ns: 'AWS/SNS', name: 'NumberOfNotificationsFailed', stat: 'Sum', period: 300, dims: topicDims });
    expect(render(subscriber.metricNumberOfNotificationsRedrivenToDlq())).toEqual({ ns: 'AWS/SNS', name: 'NumberOfNotificationsRedrivenToDlq', stat: 'Sum', period: 300, dims: topicDims });
    expect(render(subscriber.metricNumberOfNotificationsFailedToRedriveToDlq({ period: Duration.minutes(1) })))
      .toEqual({ ns: 'AWS/SNS', name: 'NumberOfNotificationsFailedToRedriveToDlq', stat: 'Sum', period: 60, dims: topicDims });
  });
});

describe('DurableSubscriber validation', () => {
  test.each([
    ['neither', { consumerProps: undefined }],
    ['both', { consumer: lambda.Function.fromFunctionName(new Stack(), 'F', 'f') }],
  ])('%s of consumer and consumerProps', (given, props) => {
    expect(() => build(props)).toThrow(`Exactly one of consumer and consumerProps must be given, got ${given}`);
  });

  test('fifo with a given topic', () => {
    const stack = new Stack(new App(), 'S');
    const topic = new sns.Topic(stack, 'Topic');
    expect(() => new DurableSubscriber(stack, 'Sub', { consumerProps, topic, fifo: true }))
      .toThrow('fifo cannot be combined with topic');
  });

  test('both filter policies', () => {
    expect(() => build({
      filterPolicy: { a: sns.SubscriptionFilter.existsFilter() },
      filterPolicyWithMessageBody: { a: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.existsFilter()) },
    })).toThrow('filterPolicy cannot be combined with filterPolicyWithMessageBody');
  });

  test('filterPolicy with 6 keys', () => {
    const filterPolicy = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => [k, sns.SubscriptionFilter.existsFilter()]));
    expect(() => build({ filterPolicy })).toThrow('filterPolicy must have at most 5 keys, got 6');
  });

  test('filterPolicy with 151 combinations... and 150 is accepted', () => {
    const values = (n: number) => sns.SubscriptionFilter.stringFilter({ allowlist: Array.from({ length: n }, (_, i) => `v${i}`) });
    expect(() => build({ filterPolicy: { a: values(151) } }))
      .toThrow('filterPolicy must have a total combination of values (the product of every array\'s length) of at most 150, got 151');
    expect(() => build({ filterPolicy: { a: values(10), b: values(16) } })).toThrow(/of at most 150, got 160/);
    expect(() => build({ filterPolicy: { a: values(10), b: values(15) } })).not.toThrow();
  });

  test('filterPolicyWithMessageBody: top-level keys and nested combinations', () => {
    const values = (n: number) => sns.FilterOrPolicy.filter(sns.SubscriptionFilter.stringFilter({ allowlist: Array.from({ length: n }, (_, i) => `v${i}`) }));
    const six = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => [k, values(1)]));
    expect(() => build({ filterPolicyWithMessageBody: six })).toThrow('filterPolicyWithMessageBody must have at most 5 keys, got 6');
    // Nested keys do not count towards the 5, their values do count towards the 150.
    const nested = sns.FilterOrPolicy.policy(Object.fromEntries(['n1', 'n2', 'n3', 'n4', 'n5', 'n6'].map((k) => [k, values(1)])));
    expect(() => build({ filterPolicyWithMessageBody: { detail: nested } })).not.toThrow();
    expect(() => build({ filterPolicyWithMessageBody: { a: values(10), detail: sns.FilterOrPolicy.policy({ b: values(20) }) } }))
      .toThrow('filterPolicyWithMessageBody must have a total combination of values (the product of every array\'s length) of at most 150, got 200');
  });

  test('filterPolicy over 256 KB', () => {
    const big = sns.SubscriptionFilter.stringFilter({ allowlist: ['x'.repeat(300 * 1024)] });
    expect(() => build({ filterPolicy: { a: big } })).toThrow(/^filterPolicy must be at most 262144 bytes as JSON, got 3072\d\d$/);
  });

  test.each([0, 1001, 2.5])('maxReceiveCount %p', (maxReceiveCount) => {
    expect(() => build({ maxReceiveCount })).toThrow(`maxReceiveCount must be an integer between 1 and 1000, got ${maxReceiveCount}`);
  });

  test('maxReceiveCount below 5 is warned about', () => {
    const { stack, t } = build({ maxReceiveCount: 2 });
    t.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.objectLike({ maxReceiveCount: 2 }) });
    expect(warnings(stack)).toEqual([expect.stringMatching(/^maxReceiveCount is 2: Lambda recommends at least 5/)]);
  });

  test.each([
    [{ batchSize: 11 }, 'batchSize (without a maxBatchingWindow of at least 1 second) must be an integer between 1 and 10, got 11'],
    [{ batchSize: 0 }, 'batchSize must be an integer between 1 and 10000, got 0'],
    [{ batchSize: 100, maxBatchingWindow: Duration.seconds(0) }, 'batchSize (without a maxBatchingWindow of at least 1 second) must be an integer between 1 and 10, got 100'],
    [{ batchSize: 10_001, maxBatchingWindow: Duration.seconds(1) }, 'batchSize must be an integer between 1 and 10000, got 10001'],
    [{ batchSize: 11, fifo: true }, 'batchSize (FIFO queue) must be an integer between 1 and 10, got 11'],
    [{ maxBatchingWindow: Duration.seconds(301) }, 'maxBatchingWindow must be between 0 seconds and 5 minutes, got 5 minutes 1 second'],
    [{ maxBatchingWindow: Duration.millis(1500) }, 'maxBatchingWindow must be a whole number of seconds between 0 seconds and 5 minutes, got 1.5 seconds'],
    [{ maxBatchingWindow: Duration.seconds(5), fifo: true }, 'maxBatchingWindow is not supported on FIFO queues (the topic is FIFO), got 5 seconds'],
    [{ maxConcurrency: 1 }, 'maxConcurrency must be an integer between 2 and 1000, got 1'],
    [{ maxConcurrency: 1001 }, 'maxConcurrency must be an integer between 2 and 1000, got 1001'],
    [{ visibilityTimeout: Duration.hours(13) }, 'visibilityTimeout must be between 0 seconds and 12 hours, got 13 hours'],
    [{ visibilityTimeout: Duration.seconds(29) }, 'consumerProps.timeout (30 seconds) must be <= visibilityTimeout (29 seconds)'],
    [{ visibilityTimeout: Duration.millis(90_500) }, 'visibilityTimeout must be a whole number of seconds between 0 seconds and 12 hours, got 90.5 seconds'],
    [{ retentionPeriod: Duration.millis(90_500) }, 'retentionPeriod must be a whole number of seconds between 1 minute and 14 days, got 90.5 seconds'],
    [{ retentionPeriod: Duration.seconds(59) }, 'retentionPeriod must be between 1 minute and 14 days, got 59 seconds'],
    [{ retentionPeriod: Duration.days(15) }, 'retentionPeriod must be between 1 minute and 14 days, got 15 days'],
    [{ retentionPeriod: Duration.days(14) }, 'retentionPeriod must be shorter than the dead-letter queues\' retention (14 days), got 14 days'],
  ])('%p', (props, message) => {
    expect(() => build(props as Partial<DurableSubscriberProps>)).toThrow(message);
  });

  // Issue 18: a fraction of a second would fail inside aws-cdk-lib's toSeconds(), naming no prop.
  test.each([
    // With a token window the recommended visibility timeout is unknown: then it is given.
    { prop: 'maxBatchingWindow', unit: 'seconds', min: 0, max: 300, extra: { visibilityTimeout: Duration.hours(12) } },
    // From the consumer's 30-second timeout; shorter than the dead-letter queues' 14 days.
    { prop: 'visibilityTimeout', unit: 'seconds', min: 30, max: 12 * 3600 },
    { prop: 'retentionPeriod', unit: 'seconds', min: 60, max: 14 * 86_400 - 1 },
  ] as const)('$prop is a whole number of seconds', ({ extra, ...spec }: { extra?: Partial<DurableSubscriberProps> } & DurationPropSpec) => {
    expectWholeDurationProp(spec, (value) => build({ ...extra, [spec.prop]: value }));
  });

  test('consumerProps.timeout is a whole number of seconds', () => {
    expectWholeDurationProp({ prop: 'consumerProps.timeout', unit: 'seconds', min: 1, max: 900 },
      // A token timeout makes the recommended visibility timeout unknown: then it is given.
      (value) => build({ consumerProps: { ...consumerProps, timeout: value }, visibilityTimeout: Duration.hours(12) }));
  });

  test('a visibility timeout below the timeout of a given consumer (through its alias)', () => {
    const stack = new Stack(new App(), 'S');
    const fn = userFunction(stack, 'Consumer', Duration.seconds(15));
    const consumer = new lambda.Alias(stack, 'Live', { aliasName: 'live', version: fn.currentVersion });
    expect(() => new DurableSubscriber(stack, 'Sub', { consumer, visibilityTimeout: Duration.seconds(14) }))
      .toThrow("the consumer's timeout (15 seconds) must be <= visibilityTimeout (14 seconds)");
    expect(() => new DurableSubscriber(stack, 'Sub2', { consumer, visibilityTimeout: Duration.seconds(15) })).not.toThrow();
  });

  test('batch sizes at the limits are accepted', () => {
    expect(() => build({ batchSize: 10 })).not.toThrow();
    expect(() => build({ batchSize: 10_000, maxBatchingWindow: Duration.minutes(5) })).not.toThrow();
    expect(() => build({ batchSize: 10, fifo: true })).not.toThrow();
  });

  test('a visibility timeout between the function timeout and 6x it (plus the window) is warned about', () => {
    const { stack, t } = build({ visibilityTimeout: Duration.seconds(60), maxBatchingWindow: Duration.seconds(20) });
    t.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 60 });
    expect(warnings(stack)).toEqual([expect.stringMatching(/^visibilityTimeout is 1 minute, below 6 times the consumer's timeout plus maxBatchingWindow \(3 minutes 20 seconds\)/)]);
    expect(warnings(build({ visibilityTimeout: Duration.seconds(200), maxBatchingWindow: Duration.seconds(20) }).stack)).toEqual([]);
  });

  test('tokens are never rejected', () => {
    const token = Lazy.number({ produce: () => 10_000 });
    expect(() => build({ batchSize: token, maxConcurrency: token, maxReceiveCount: token })).not.toThrow();
    const { t } = build({ batchSize: token, maxConcurrency: token, maxReceiveCount: token });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 10_000, ScalingConfig: { MaximumConcurrency: 10_000 } });
  });
});
