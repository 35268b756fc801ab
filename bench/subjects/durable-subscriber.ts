import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DurableSubscriber } from '../../src';
import { handWrittenFunction } from '../support/hand-written-function';
import { BenchSubject } from '../support/subject';

const consumerProps: lambda.FunctionProps = {
  runtime: lambda.Runtime.NODEJS_24_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
};

/**
 * The default DurableSubscriber (new encrypted topic, consumer from props), and by hand: key,
 * TLS-only topic, function with its own log group, role and tracing policy, SSE-SQS TLS-only
 * queue and two dead-letter queues, SqsSubscription with a dead-letter queue, SqsEventSource,
 * three alarms.
 */
export const subject: BenchSubject = {
  name: 'DurableSubscriber',
  construct: (scope, id) => new DurableSubscriber(scope, id, { consumerProps }),
  floor: (parent, id) => {
    const scope = new Construct(parent, id);
    const topicKey = new kms.Key(scope, 'TopicKey', { enableKeyRotation: true });
    const topic = new sns.Topic(scope, 'Topic', { masterKey: topicKey, enforceSSL: true });

    const fn = handWrittenFunction(scope, consumerProps);

    const queueDefaults = { enforceSSL: true, encryption: sqs.QueueEncryption.SQS_MANAGED };
    const deadLetterQueue = new sqs.Queue(scope, 'DeadLetterQueue', { ...queueDefaults, retentionPeriod: Duration.days(14) });
    const queue = new sqs.Queue(scope, 'Queue', {
      ...queueDefaults,
      visibilityTimeout: Duration.seconds(180),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 },
    });
    const subscriptionDeadLetterQueue = new sqs.Queue(scope, 'SubscriptionDeadLetterQueue', { ...queueDefaults, retentionPeriod: Duration.days(14) });
    topic.addSubscription(new subscriptions.SqsSubscription(queue, { deadLetterQueue: subscriptionDeadLetterQueue }));
    fn.addEventSource(new sources.SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true }));

    const minute = { period: Duration.minutes(1), statistic: 'Maximum' };
    const alarm = (alarmId: string, metric: cloudwatch.IMetric) => new cloudwatch.Alarm(scope, alarmId, {
      metric, threshold: 1, evaluationPeriods: 1, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('SubscriptionDeadLetterQueueAlarm', subscriptionDeadLetterQueue.metricApproximateNumberOfMessagesVisible(minute));
    alarm('DeadLetterQueueAlarm', deadLetterQueue.metricApproximateNumberOfMessagesVisible(minute));
    alarm('NotificationsFailedToRedriveAlarm', topic.metric('NumberOfNotificationsFailedToRedriveToDlq', { period: Duration.minutes(1), statistic: 'Sum' }));
  },
};
