import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { DurableSubscriber } from '../../src';
import { Call, simulate } from '../support/permissions';

/**
 * The calls DurableSubscriber's principals make at run time, each simulated against the policies the
 * stack synthesizes (test/support/permissions.ts): allowed where the construct needs them, denied on
 * the neighbours. The calls are the SQS event source mapping's, made with the function's execution
 * role (Lambda developer guide, "Using Lambda with Amazon SQS": ReceiveMessage, DeleteMessage,
 * GetQueueAttributes; ChangeMessageVisibility for partial batch responses), and SNS delivering to
 * the queue (SNS developer guide, "Fanout to Amazon SQS queues": sqs:SendMessage by sns.amazonaws.com
 * with aws:SourceArn the topic's ARN).
 */
const stack = new Stack(new App(), 'S');
const subscriber = new DurableSubscriber(stack, 'Sub', {
  consumerProps: { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') },
});
const another = new sqs.Queue(stack, 'Another');
const otherTopic = new sns.Topic(stack, 'OtherTopic');
const mapping = subscriber.lambdaFunction!.role!;
const fromTopic = (topic: sns.ITopic) => ({ 'aws:SourceArn': topic.topicArn });

const ALLOWED: [string, Call][] = [
  ...['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'].map((action): [string, Call] =>
    [`the mapping's role: ${action} on the queue`, { who: mapping, action, resource: subscriber.queue.queueArn }]),
  ['SNS: sqs:SendMessage on the queue, from the topic', { who: 'sns.amazonaws.com', action: 'sqs:SendMessage', resource: subscriber.queue.queueArn, context: fromTopic(subscriber.topic) }],
  ["SNS: sqs:SendMessage on the subscription's dead-letter queue, from the topic (undeliverable messages)", {
    who: 'sns.amazonaws.com', action: 'sqs:SendMessage', resource: subscriber.subscriptionDeadLetterQueue.queueArn, context: fromTopic(subscriber.topic),
  }],
];

const DENIED: [string, Call][] = [
  ["the mapping's role: sqs:ReceiveMessage on another queue", { who: mapping, action: 'sqs:ReceiveMessage', resource: another.queueArn }],
  ["the mapping's role: sqs:ReceiveMessage on the dead-letter queue", { who: mapping, action: 'sqs:ReceiveMessage', resource: subscriber.deadLetterQueue.queueArn }],
  ["the mapping's role: sqs:SendMessage on the queue", { who: mapping, action: 'sqs:SendMessage', resource: subscriber.queue.queueArn }],
  ['SNS: sqs:SendMessage on the queue, from another topic', { who: 'sns.amazonaws.com', action: 'sqs:SendMessage', resource: subscriber.queue.queueArn, context: fromTopic(otherTopic) }],
  ['SNS: sqs:SendMessage on the queue over plain HTTP', {
    who: 'sns.amazonaws.com',
    action: 'sqs:SendMessage',
    resource: subscriber.queue.queueArn,
    context: { ...fromTopic(subscriber.topic), 'aws:SecureTransport': 'false' },
  }],
];

describe('DurableSubscriber permissions', () => {
  test.each(ALLOWED)('allowed: %s', async (_name, call) => {
    expect(await simulate(stack, call)).toBe('Allowed');
  });
  test.each(DENIED)('denied: %s', async (_name, call) => {
    expect(await simulate(stack, call)).toMatch(/Denied$/);
  });
});
