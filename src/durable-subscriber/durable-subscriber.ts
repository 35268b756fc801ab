import { Annotations, ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DURABLE_SUBSCRIBER_SPEC, DurableSubscriberConfig, recommendedVisibilityTimeout } from './private/spec';
import { createAlarm } from '../common/alarms';
import { grantMappingAccess, resolveConsumer } from '../common/consumer';
import { alarmAnnotations, graphWidget, titleWidget } from '../common/dashboard';
import { limitGrantsToAwsServices } from '../common/keys';
import { acknowledgeNagRule } from '../common/nag';
import { createDeadLetterQueue, createSecureQueue } from '../common/secure-queue';
import { resolveProps } from '../common/spec';
import { IDashboardSource } from '../service-dashboard/dashboard-source';

/** Properties of a {@link DurableSubscriber}. */
export interface DurableSubscriberProps {
  /**
   * The topic to subscribe to. Several DurableSubscribers may share one topic (fan-out), each with
   * its own queue, filter policy and dead-letter queues. A FIFO topic gets FIFO queues.
   * @default - a new topic, encrypted with its own customer-managed KMS key (rotation on), refusing non-TLS requests
   */
  readonly topic?: sns.ITopic;

  /**
   * Whether the topic this construct creates is a FIFO topic (its queues are then FIFO too).
   * Only for a new topic: a given `topic` decides by itself.
   * @default false
   */
  readonly fifo?: boolean;

  /**
   * Deliver the published message as the SQS body, without the SNS JSON envelope
   * (`Type`, `MessageId`, `Message`, `MessageAttributes`...). Message attributes then arrive as
   * SQS message attributes.
   * @default false - the body is the SNS envelope; the published message is its `Message` field
   * @see https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html
   */
  readonly rawMessageDelivery?: boolean;

  /**
   * Deliver only messages whose attributes match. At most 5 keys, a total combination of values
   * (the product of every array's length) of at most 150, and 256 KB as JSON.
   * Conflicts with `filterPolicyWithMessageBody`.
   * @default - every message is delivered
   * @see https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html
   */
  readonly filterPolicy?: { [attribute: string]: sns.SubscriptionFilter };

  /**
   * Deliver only messages whose JSON body matches. At most 5 top-level keys, a total combination
   * of values of at most 150, and 256 KB as JSON. Conflicts with `filterPolicy`.
   * @default - every message is delivered
   * @see https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html
   */
  readonly filterPolicyWithMessageBody?: { [attribute: string]: sns.FilterOrPolicy };

  /**
   * Customer-managed key encrypting the queue and both dead-letter queues (not the topic: a new
   * topic has a key of its own, `topicKey`). Its key policy gets a statement letting
   * `sns.amazonaws.com` use it for this topic only (`aws:SourceArn`), without which SNS could not
   * deliver to the queue or its dead-letter queue. An imported key's policy cannot be changed
   * here: a warning reminds you to add that statement yourself.
   * @default - SQS-managed encryption (SSE-SQS), which SNS can use without a key policy
   * @see https://docs.aws.amazon.com/sns/latest/dg/sns-enable-encryption-for-topic-sqs-queue-subscriptions.html
   */
  readonly queueEncryptionKey?: kms.IKey;

  /**
   * Receives of a message before SQS moves it to the dead-letter queue. Valid range: 1-1000; below
   * 5 is warned about, as a throttled function also counts as a receive.
   * @default 5 - what the Lambda documentation recommends as a minimum: transient failures and
   *          throttling get retried, a poison message reaches the dead-letter queue within
   *          5 visibility timeouts
   * @see https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
   */
  readonly maxReceiveCount?: number;

  /**
   * How long a received message stays hidden from other consumers. Valid range: 0 seconds -
   * 12 hours, and at least the consumer's timeout (an error otherwise); below six times the
   * consumer's timeout plus `maxBatchingWindow` is warned about.
   * @default - six times the consumer's timeout plus `maxBatchingWindow`
   *            (required when the consumer's timeout cannot be read: an imported function)
   * @see https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
   */
  readonly visibilityTimeout?: Duration;

  /**
   * How long the queue keeps a message. Valid range: 1 minute - 14 days, and shorter than the
   * dead-letter queues' 14 days (a message keeps its original enqueue time in the dead-letter
   * queue, so an equal retention would leave it no time there).
   * @default Duration.days(4) - the SQS default
   * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
   */
  readonly retentionPeriod?: Duration;

  /**
   * The function that processes the queue's messages: any function, version or alias (for
   * example a ProvisionedFunction's alias). Exactly one of `consumer` and `consumerProps`.
   * @default - a function defined from `consumerProps`
   */
  readonly consumer?: lambda.IFunction;

  /**
   * Defines the consumer function, with the library's secure defaults (own log group with a
   * one-year retention, own least-privilege role, active tracing, 512 MB, 30 s timeout).
   * Exactly one of `consumer` and `consumerProps`.
   * @default - `consumer` is used
   */
  readonly consumerProps?: lambda.FunctionProps;

  /**
   * Messages per invocation. Valid range: 1-10; up to 10,000 with a `maxBatchingWindow` of at
   * least 1 second on a standard (not FIFO) queue.
   * @default 10
   * @see https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
   */
  readonly batchSize?: number;

  /**
   * How long Lambda gathers messages before invoking. Valid range: 0-5 minutes, in whole seconds; not on FIFO queues.
   * @default - no batching window
   */
  readonly maxBatchingWindow?: Duration;

  /**
   * Largest number of concurrent invocations this queue may cause. Valid range: 2-1000.
   * @default - no limit other than the function's and the account's concurrency
   * @see https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html
   */
  readonly maxConcurrency?: number;

  /**
   * Let the consumer return `{ batchItemFailures: [{ itemIdentifier: messageId }] }`, so only the
   * failed messages of a batch are retried (see the handler contract in the README).
   * @default true
   * @see https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
   */
  readonly reportBatchItemFailures?: boolean;

  /**
   * Topic notified when an alarm goes into ALARM and back to OK.
   * @default - the alarms have no actions
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * The alarms' period, shorter than the metrics' default: SQS publishes queue metrics every minute
 * (SQS developer guide, available CloudWatch metrics), and a message waiting in a dead-letter queue
 * is worth knowing about a minute after it arrived, not five.
 */
const ALARM_PERIOD = Duration.minutes(1);

/**
 * An SNS topic subscription that survives both kinds of delivery failure: an SQS queue between
 * the topic and the consumer function, a subscription dead-letter queue for what SNS cannot
 * deliver to that queue, a queue dead-letter queue for what the consumer fails to process
 * `maxReceiveCount` times, and alarms on both.
 */
export class DurableSubscriber extends Construct implements IDashboardSource {
  /** The topic subscribed to (given or created). */
  public readonly topic: sns.ITopic;
  /** The key encrypting the topic, when this construct created the topic. */
  public readonly topicKey?: kms.Key;
  /** The queue the topic delivers to and the consumer reads from. */
  public readonly queue: sqs.Queue;
  /** Where SQS moves messages the consumer failed to process `maxReceiveCount` times. */
  public readonly deadLetterQueue: sqs.Queue;
  /** Where SNS moves messages it could not deliver to `queue` (SNS redrive policy). */
  public readonly subscriptionDeadLetterQueue: sqs.Queue;
  /** The SQS subscription. */
  public readonly subscription: sns.Subscription;
  /** The function (or alias) processing the queue. */
  public readonly consumer: lambda.IFunction;
  /** The consumer function, when this construct defined it from `consumerProps`. */
  public readonly lambdaFunction?: lambda.Function;
  /** The mapping that polls the queue and invokes the consumer. */
  public readonly eventSourceMapping: lambda.EventSourceMapping;
  /**
   * Alarms: depth of the subscription dead-letter queue, depth of the queue dead-letter queue, and
   * the topic's notifications that SNS failed to redrive to a dead-letter queue (lost messages).
   */
  public readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: DurableSubscriberProps) {
    super(scope, id);
    const config = resolveProps(DURABLE_SUBSCRIBER_SPEC, props);

    if (config.topic) {
      this.topic = config.topic;
    } else {
      this.topicKey = new kms.Key(this, 'TopicKey', {
        description: 'Encrypts the DurableSubscriber topic',
        enableKeyRotation: true,
      });
      limitGrantsToAwsServices(this.topicKey);
      this.topic = new sns.Topic(this, 'Topic', {
        masterKey: this.topicKey,
        enforceSSL: true,
        fifo: config.fifo || undefined,
      });
    }

    ({ consumer: this.consumer, lambdaFunction: this.lambdaFunction } = resolveConsumer(this, config,
      'failed messages return to the queue and move to its dead-letter queue after maxReceiveCount receives.'));
    this.warnAboutRetries(config);

    const queueKind = { encryptionKey: config.queueEncryptionKey, fifo: this.topic.fifo };
    this.deadLetterQueue = createDeadLetterQueue(this, 'DeadLetterQueue', queueKind);
    this.queue = createSecureQueue(this, 'Queue', {
      ...queueKind,
      retentionPeriod: config.retentionPeriod,
      visibilityTimeout: config.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: config.maxReceiveCount },
    });
    this.subscriptionDeadLetterQueue = createDeadLetterQueue(this, 'SubscriptionDeadLetterQueue', queueKind);

    this.subscription = this.subscribe(config);

    // A mapping of our own (not SqsEventSource) so it has a fixed id under this construct, where
    // its acknowledgement belongs, whatever the consumer's scope.
    this.eventSourceMapping = new lambda.EventSourceMapping(this, 'EventSourceMapping', {
      target: this.consumer,
      eventSourceArn: this.queue.queueArn,
      batchSize: config.batchSize,
      maxBatchingWindow: config.maxBatchingWindow,
      maxConcurrency: config.maxConcurrency,
      reportBatchItemFailures: config.reportBatchItemFailures,
    });
    // The actions Lambda's SQS execution-role documentation lists (what queue.grantConsumeMessages gives).
    const statements = [new iam.PolicyStatement({
      actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
      resources: [this.queue.queueArn],
    })];
    if (config.queueEncryptionKey) {
      statements.push(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [config.queueEncryptionKey.keyArn] }));
    }
    if (!grantMappingAccess(this, this.consumer, this.eventSourceMapping, statements)) {
      Annotations.of(this).addWarningV2('cdk-serverless-patterns:DurableSubscriber:consumerWithoutRole',
        'The consumer was imported without its role, so it cannot be granted the queue here: its role needs sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility and sqs:GetQueueAttributes on the queue (and kms:Decrypt on queueEncryptionKey, if any)');
    }
    acknowledgeNagRule(this.eventSourceMapping, 'Serverless-LambdaEventSourceMappingDestination',
      'SQS event source mappings take no on-failure destination (only stream and Kafka sources do): a message that fails maxReceiveCount times moves to the queue\'s dead-letter queue through its redrive policy.');

    this.alarms = [
      createAlarm(this, 'SubscriptionDeadLetterQueueAlarm', {
        metric: this.metricSubscriptionDeadLetterQueueApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD }),
        threshold: 1,
        description: 'SNS could not deliver messages to the subscriber queue (deleted queue, changed queue or key policy...); they wait in the subscription dead-letter queue',
      }, config.alarmTopic),
      createAlarm(this, 'DeadLetterQueueAlarm', {
        metric: this.metricDeadLetterQueueApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD }),
        threshold: 1,
        description: 'The consumer failed to process messages maxReceiveCount times; they wait in the dead-letter queue (redrive them with StartMessageMoveTask once fixed)',
      }, config.alarmTopic),
      createAlarm(this, 'NotificationsFailedToRedriveAlarm', {
        metric: this.metricNumberOfNotificationsFailedToRedriveToDlq({ period: ALARM_PERIOD }),
        threshold: 1,
        description: 'SNS failed to move undeliverable messages of this topic (any of its subscriptions) to a dead-letter queue: those messages are lost',
      }, config.alarmTopic),
    ];
  }

  /**
   * Lets an operator move messages back for processing: starts, lists and cancels message move
   * tasks (StartMessageMoveTask) from the dead-letter queue to the queue, and receives and deletes
   * messages of the subscription dead-letter queue to send them to the queue by hand (SQS move
   * tasks only take dead-letter queues of SQS queues, not of SNS subscriptions).
   *
   * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html
   */
  public grantRedrive(grantee: iam.IGrantable): iam.Grant {
    return this.deadLetterQueue.grant(grantee,
      'sqs:StartMessageMoveTask', 'sqs:ListMessageMoveTasks', 'sqs:CancelMessageMoveTask')
      .combine(this.deadLetterQueue.grantConsumeMessages(grantee))
      .combine(this.subscriptionDeadLetterQueue.grantConsumeMessages(grantee))
      .combine(this.queue.grantSendMessages(grantee));
  }

  /** Lets a principal publish to the topic (and use its key). */
  public grantPublish(grantee: iam.IGrantable): iam.Grant {
    return this.topic.grantPublish(grantee);
  }

  /**
   * Age of the oldest message in the queue (its `ApproximateAgeOfOldestMessage`, seconds): how far
   * the consumer lags.
   *
   * @default - maximum over 5 minutes
   */
  public metricApproximateAgeOfOldestMessage(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.queue.metricApproximateAgeOfOldestMessage({ statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * Messages waiting in the queue (its `ApproximateNumberOfMessagesVisible`).
   *
   * @default - maximum over 5 minutes
   */
  public metricApproximateNumberOfMessagesVisible(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.queue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * Messages waiting in the queue dead-letter queue (its `ApproximateNumberOfMessagesVisible`).
   *
   * @default - maximum over 5 minutes
   */
  public metricDeadLetterQueueApproximateNumberOfMessagesVisible(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * Messages waiting in the subscription dead-letter queue (its `ApproximateNumberOfMessagesVisible`).
   *
   * @default - maximum over 5 minutes
   */
  public metricSubscriptionDeadLetterQueueApproximateNumberOfMessagesVisible(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.subscriptionDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * Messages published to the topic (SNS `NumberOfMessagesPublished`, per topic).
   *
   * @default - sum over 5 minutes
   * @see https://docs.aws.amazon.com/sns/latest/dg/sns-monitoring-using-cloudwatch.html
   */
  public metricNumberOfMessagesPublished(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.topicMetric('NumberOfMessagesPublished', props);
  }

  /**
   * Notifications SNS failed to deliver. SNS reports it per topic, not per subscription: it
   * counts the failures of every subscription of the topic.
   *
   * @default - sum over 5 minutes
   * @see https://docs.aws.amazon.com/sns/latest/dg/sns-monitoring-using-cloudwatch.html
   */
  public metricNumberOfNotificationsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.topicMetric('NumberOfNotificationsFailed', props);
  }

  /**
   * Notifications SNS moved to a subscription dead-letter queue (per topic).
   *
   * @default - sum over 5 minutes
   */
  public metricNumberOfNotificationsRedrivenToDlq(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.topicMetric('NumberOfNotificationsRedrivenToDlq', props);
  }

  /**
   * Notifications SNS failed to move to a subscription dead-letter queue (per topic).
   *
   * @default - sum over 5 minutes
   */
  public metricNumberOfNotificationsFailedToRedriveToDlq(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.topicMetric('NumberOfNotificationsFailedToRedriveToDlq', props);
  }

  /**
   * The subscription on a `ServiceDashboard`, along the way a message goes: the topic (published,
   * failed, redriven, failed to redrive), then the depths of the queue, its dead-letter queue and
   * the subscription dead-letter queue side by side, with the alarms' thresholds, and the consumer's lag.
   *
   * Metrics: SNS per topic (https://docs.aws.amazon.com/sns/latest/dg/sns-monitoring-using-cloudwatch.html),
   * SQS per queue (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html).
   */
  public dashboardWidgets(): cloudwatch.IWidget[] {
    // The alarms' period, so the graphs show what the alarms evaluate.
    const minute = { period: ALARM_PERIOD };
    return [
      titleWidget(this, 'DurableSubscriber'),
      graphWidget({
        title: 'Topic',
        left: [
          this.metricNumberOfMessagesPublished({ ...minute, label: 'Published' }),
          this.metricNumberOfNotificationsFailed({ ...minute, label: 'Failed' }),
          this.metricNumberOfNotificationsRedrivenToDlq({ ...minute, label: 'Redriven to DLQ' }),
          this.metricNumberOfNotificationsFailedToRedriveToDlq({ ...minute, label: 'Failed to redrive (lost)' }),
        ],
        leftAnnotations: alarmAnnotations(this, 'NotificationsFailedToRedriveAlarm'),
      }),
      graphWidget({
        title: 'Queue -> dead-letter queue | subscription dead-letter queue',
        left: [
          this.metricApproximateNumberOfMessagesVisible({ ...minute, label: 'Queue' }),
          this.metricDeadLetterQueueApproximateNumberOfMessagesVisible({ ...minute, label: 'Dead-letter queue' }),
          this.metricSubscriptionDeadLetterQueueApproximateNumberOfMessagesVisible({ ...minute, label: 'Subscription dead-letter queue' }),
        ],
        leftAnnotations: alarmAnnotations(this, 'DeadLetterQueueAlarm', 'SubscriptionDeadLetterQueueAlarm'),
      }),
      graphWidget({
        title: 'Consumer lag (s)',
        left: [this.metricApproximateAgeOfOldestMessage({ ...minute, label: 'Age of oldest message' })],
      }),
    ];
  }

  private topicMetric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.topic.metric(metricName, { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /** Advice on the retry settings: values that may send a healthy message to the dead-letter queue. */
  private warnAboutRetries(config: DurableSubscriberConfig): void {
    const { maxReceiveCount, visibilityTimeout } = config;
    if (!Token.isUnresolved(maxReceiveCount) && maxReceiveCount < 5) {
      Annotations.of(this).addWarningV2('cdk-serverless-patterns:DurableSubscriber:lowMaxReceiveCount',
        `maxReceiveCount is ${maxReceiveCount}: Lambda recommends at least 5, as a throttled invocation also counts as a receive and may send a healthy message to the dead-letter queue`);
    }
    // Below the recommendation only when given: the default is the recommendation.
    const recommended = recommendedVisibilityTimeout(config);
    if (recommended && !visibilityTimeout.isUnresolved() && visibilityTimeout.toMilliseconds() < recommended.toMilliseconds()) {
      Annotations.of(this).addWarningV2('cdk-serverless-patterns:DurableSubscriber:shortVisibilityTimeout',
        `visibilityTimeout is ${visibilityTimeout.toHumanString()}, below 6 times the consumer's timeout plus maxBatchingWindow (${recommended.toHumanString()}): a message may be received again while an earlier invocation (or its retry after throttling) still processes it`);
    }
  }

  /**
   * Subscribes the queue with its own policies rather than `SqsSubscription`, whose KMS statement
   * is scoped to the topic only behind a feature flag: here both the queue policy and the key
   * policy name this topic (`aws:SourceArn`), whatever the app's flags.
   */
  private subscribe(config: DurableSubscriberConfig): sns.Subscription {
    const snsPrincipal = new iam.ServicePrincipal('sns.amazonaws.com');
    const fromThisTopic = { ArnEquals: { 'aws:SourceArn': this.topic.topicArn } };
    // The Subscription adds the same statement to the dead-letter queue's policy (identical
    // statements are merged); adding it here as well gives the dependency below.
    const policies = [this.queue, this.subscriptionDeadLetterQueue].map((queue) => queue.addToResourcePolicy(new iam.PolicyStatement({
      principals: [snsPrincipal],
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
      conditions: fromThisTopic,
    })).policyDependable!);
    if (config.queueEncryptionKey) {
      const { statementAdded } = config.queueEncryptionKey.addToResourcePolicy(new iam.PolicyStatement({
        principals: [snsPrincipal],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: fromThisTopic,
      }));
      if (!statementAdded) {
        Annotations.of(this).addWarningV2('cdk-serverless-patterns:DurableSubscriber:importedKey',
          'queueEncryptionKey is imported, so its key policy cannot be changed here: it must allow sns.amazonaws.com kms:GenerateDataKey* and kms:Decrypt for this topic (aws:SourceArn), or SNS cannot deliver to the queue or its dead-letter queue');
      }
    }

    const subscription = new sns.Subscription(this, 'Subscription', {
      topic: this.topic,
      endpoint: this.queue.queueArn,
      protocol: sns.SubscriptionProtocol.SQS,
      rawMessageDelivery: config.rawMessageDelivery,
      filterPolicy: config.filterPolicy,
      filterPolicyWithMessageBody: config.filterPolicyWithMessageBody,
      deadLetterQueue: this.subscriptionDeadLetterQueue,
      region: topicRegion(this.topic, this),
    });
    // Deliveries before the policies exist would fail (and be redriven): subscribe after them.
    subscription.node.addDependency(...policies);
    return subscription;
  }
}

/** The topic's region when it differs from the subscriber's (a cross-region subscription), else undefined. */
function topicRegion(topic: sns.ITopic, scope: Construct): string | undefined {
  const region = Stack.of(scope).splitArn(topic.topicArn, ArnFormat.SLASH_RESOURCE_NAME).region;
  return region && !Token.isUnresolved(region) && region !== Stack.of(scope).region ? region : undefined;
}
