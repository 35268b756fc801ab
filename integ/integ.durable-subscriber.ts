import { AwsApiCall, ExpectedResult, IApiCall, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DurableSubscriber } from '../src';
import { enforceNag } from './support/gates';
import { limitGrantsToAwsServices } from '../src/common/keys';

/**
 * Two DurableSubscribers share one topic (fan-out), both with a customer-managed key on their
 * queues. Three messages are published, each with a `kind` attribute the filter policies route by:
 *
 * 1. `order-1` (kind=order) reaches the Orders consumer through SNS -> KMS-encrypted SQS -> Lambda
 *    (the path that silently drops messages when the key policy forgets SNS): asserted by the
 *    consumer's log line.
 * 2. `poison-1` (kind=order) is always reported as a batch item failure by the consumer: after
 *    maxReceiveCount (2) receives, 10 s apart, SQS moves it to the Orders queue dead-letter queue.
 * 3. `undeliverable-1` (kind=undeliverable) goes only to the Undeliverable subscriber, whose queue
 *    policy explicitly denies SNS (an explicit Deny overrides the construct's Allow). SQS answers
 *    AccessDenied, a client-side error SNS does not retry, so SNS moves the message at once to the
 *    subscription dead-letter queue, which SNS can only write because the construct's key policy
 *    lets it use the key for this topic. Deterministic: no timing, no quota, no deleted resource.
 */
const app = new App();
const stack = new Stack(app, 'DurableSubscriberInteg');

const queueKey = new kms.Key(stack, 'QueueKey', { enableKeyRotation: true, removalPolicy: RemovalPolicy.DESTROY });
limitGrantsToAwsServices(queueKey);

// Envelope delivery (the default): the published message is the `Message` field of the body.
const handler = `
exports.handler = async (event) => {
  const batchItemFailures = [];
  for (const record of event.Records) {
    const message = JSON.parse(record.body).Message;
    if (message.startsWith('poison')) {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    console.log(JSON.stringify({ processed: message }));
  }
  return { batchItemFailures };
};`;

const orders = new DurableSubscriber(stack, 'Orders', {
  consumerProps: {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline(handler),
    timeout: Duration.seconds(5),
  },
  queueEncryptionKey: queueKey,
  filterPolicy: { kind: sns.SubscriptionFilter.stringFilter({ allowlist: ['order'] }) },
  // Short, so the poison message reaches the dead-letter queue within a minute (both are warned about).
  maxReceiveCount: 2,
  visibilityTimeout: Duration.seconds(10),
});
orders.topicKey!.applyRemovalPolicy(RemovalPolicy.DESTROY);
orders.lambdaFunction!.logGroup.applyRemovalPolicy(RemovalPolicy.DESTROY);

const undeliverable = new DurableSubscriber(stack, 'Undeliverable', {
  topic: orders.topic,
  consumer: orders.lambdaFunction!,
  queueEncryptionKey: queueKey,
  filterPolicy: { kind: sns.SubscriptionFilter.stringFilter({ allowlist: ['undeliverable'] }) },
});
undeliverable.queue.addToResourcePolicy(new iam.PolicyStatement({
  effect: iam.Effect.DENY,
  principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
  actions: ['sqs:SendMessage'],
  resources: [undeliverable.queue.queueArn],
}));

const integ = new IntegTest(app, 'DurableSubscriberTest', { testCases: [stack] });

function publish(message: string, kind: string): IApiCall {
  const call = integ.assertions.awsApiCall('SNS', 'publish', {
    TopicArn: orders.topic.topicArn,
    Message: message,
    MessageAttributes: { kind: { DataType: 'String', StringValue: kind } },
  });
  call.provider.addToRolePolicy({ Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: [orders.topicKey!.keyArn] });
  return call;
}

const waitOptions = { totalTimeout: Duration.minutes(5), interval: Duration.seconds(15) };

/**
 * Polls until the call's result matches. The polling runs in another provider function than the
 * first call, and integ-tests gives it only the SDK call's own action: extra permissions (KMS,
 * here) must be given to both.
 */
function waitFor(call: IApiCall, statement: object): IApiCall {
  call.provider.addToRolePolicy(statement);
  call.waitForAssertions(waitOptions);
  (call as AwsApiCall).waiterProvider!.addToRolePolicy(statement);
  return call;
}

function receiveFrom(queueUrl: string, bodyPattern: string): IApiCall {
  const call = integ.assertions.awsApiCall('SQS', 'receiveMessage', { QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 10 })
    .expect(ExpectedResult.objectLike({
      Messages: Match.arrayWith([Match.objectLike({ Body: Match.stringLikeRegexp(bodyPattern) })]),
    }));
  return waitFor(call, { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [queueKey.keyArn] });
}

const published = publish('order-1', 'order')
  .next(publish('poison-1', 'order'))
  .next(publish('undeliverable-1', 'undeliverable'));

// 1. The consumer ran on the healthy message.
const processed = integ.assertions.awsApiCall('CloudWatchLogs', 'filterLogEvents', {
  logGroupName: orders.lambdaFunction!.logGroup.logGroupName,
  // Term match, not a JSON pattern: Lambda's text log format prefixes the line with time and request id.
  filterPattern: '"processed" "order-1"',
}).expect(ExpectedResult.objectLike({
  events: Match.arrayWith([Match.objectLike({ message: Match.stringLikeRegexp('order-1') })]),
}));
// Stated explicitly: integ-tests derives the IAM action from the SDK service name.
published.next(waitFor(processed, { Effect: 'Allow', Action: ['logs:FilterLogEvents'], Resource: ['*'] }));

// 2. The poison message is in the queue dead-letter queue, in its SNS envelope.
published.next(receiveFrom(orders.deadLetterQueue.queueUrl, '"Message" ?: ?"poison-1"'));

// 3. The undeliverable message is in the Undeliverable subscription's dead-letter queue.
published.next(receiveFrom(undeliverable.subscriptionDeadLetterQueue.queueUrl, 'undeliverable-1'));

enforceNag(stack);
