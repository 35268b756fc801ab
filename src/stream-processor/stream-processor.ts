import { Annotations, Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createAlarm } from '../common/alarms';
import { grantMappingAccess, onFailureDestination, resolveConsumer } from '../common/consumer';
import { alarmAnnotations, graphWidget, titleWidget } from '../common/dashboard';
import { acknowledgeNagRule } from '../common/nag';
import { createDeadLetterQueue } from '../common/secure-queue';
import { resolveProps } from '../common/spec';
import { IDashboardSource } from '../service-dashboard/dashboard-source';
import { reservedConcurrencyOf } from './private/function-facts';
import { BoundStreamProcessorConfig, STREAM_PROCESSOR_SPEC, resolveWithSource } from './private/spec';
import { StreamSource } from './stream-source';

/** The event source options of a stream processor: how records are read, batched and retried. */
export interface StreamProcessorOptions {
  /**
   * Where to start reading when the mapping is created.
   *
   * @default lambda.StartingPosition.TRIM_HORIZON - the oldest record kept, so records written
   *   before the mapping exists are not skipped
   */
  readonly startingPosition?: lambda.StartingPosition;

  /**
   * The time to start reading from, in Unix time seconds: required with `StartingPosition.AT_TIMESTAMP`
   * (Kinesis only), and refused with any other starting position.
   *
   * @default - none
   */
  readonly startingPositionTimestamp?: number;

  /**
   * Most records per invocation. Valid range: 1-10,000 (Kinesis and DynamoDB streams).
   *
   * @default 100
   * @see https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html#invocation-eventsourcemapping-batching
   */
  readonly batchSize?: number;

  /**
   * How long to gather records before invoking the function. Valid range: 0-300 seconds, in whole seconds.
   *
   * @default - no batching window (invoke as soon as records are available)
   */
  readonly maxBatchingWindow?: Duration;

  /**
   * Batches processed concurrently from each shard. Records with the same partition key (Kinesis)
   * or item key (DynamoDB) still go to the same batch in order. Valid range: 1-10.
   *
   * @default 1
   * @see https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis-parallelization.html
   */
  readonly parallelizationFactor?: number;

  /**
   * Split a failed batch in two and retry each half, to isolate a poison record.
   *
   * @default true
   */
  readonly bisectBatchOnError?: boolean;

  /**
   * Retries of a failed batch before its records are sent to the on-failure destination.
   * Valid range: 0-10,000.
   *
   * @default 3
   */
  readonly retryAttempts?: number;

  /**
   * Records older than this are not sent to the function but to the on-failure destination.
   * Valid range: 60 seconds to 7 days in whole seconds, and at most the stream's retention (24 hours for DynamoDB).
   *
   * @default Duration.hours(1)
   */
  readonly maxRecordAge?: Duration;

  /**
   * Let the function report which records failed (`batchItemFailures`) so that only those and the
   * ones after them are retried.
   *
   * @default true
   * @see https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html
   */
  readonly reportBatchItemFailures?: boolean;

  /**
   * Size of a tumbling window for stateful aggregation. Valid range: 0-900 seconds, in whole seconds.
   *
   * @default - no tumbling window
   * @see https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html
   */
  readonly tumblingWindow?: Duration;

  /**
   * Event filter patterns (build them with `lambda.FilterCriteria.filter`); records that match none are
   * dropped before the function sees them.
   *
   * @default - every record is processed
   * @see https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
   */
  readonly filters?: Array<{ [key: string]: unknown }>;

  /**
   * Customer-managed key to encrypt the filter criteria with (requires `filters`).
   *
   * @default - an AWS-owned key
   */
  readonly filterEncryption?: kms.IKey;

  /**
   * Whether the event source mapping is enabled.
   *
   * @default true
   */
  readonly enabled?: boolean;
}

/** Properties of a `StreamProcessor`. */
export interface StreamProcessorProps extends StreamProcessorOptions {
  /** The stream to consume. */
  readonly source: StreamSource;

  /**
   * The function that processes the records: any function, alias or version (for instance the
   * alias of a `ProvisionedFunction`). Give exactly one of `consumer` and `consumerProps`.
   *
   * @default - a function defined from `consumerProps`
   */
  readonly consumer?: lambda.IFunction;

  /**
   * Props of a function to define as the consumer (own role and log group, active tracing,
   * 512 MB, 30 s). Give exactly one of `consumer` and `consumerProps`.
   *
   * @default - `consumer` is used
   */
  readonly consumerProps?: lambda.FunctionProps;

  /**
   * Queue that receives the failure context (shard, sequence numbers) of records that could not be
   * processed. Its depth is alarmed.
   *
   * @default - a new queue (SSE-SQS encrypted, TLS only, 14-day retention), unless `onFailureTopic` is given
   */
  readonly onFailureQueue?: sqs.IQueue;

  /**
   * Topic that receives the failure context instead of a queue.
   *
   * @default - a queue (see `onFailureQueue`)
   */
  readonly onFailureTopic?: sns.ITopic;

  /**
   * Iterator age at which the iterator-age alarm fires.
   *
   * @default - half of the smaller of `maxRecordAge` and the stream's retention (24 hours when
   *   neither is known), so there is time to react before records are discarded
   */
  readonly iteratorAgeAlarmThreshold?: Duration;

  /**
   * Topic notified when an alarm goes to ALARM and back to OK.
   *
   * @default - the alarms have no actions
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * A Lambda consumer of a Kinesis data stream or a DynamoDB stream that processes up to 10 batches
 * per shard at once while keeping order per key, and that never silently drops or endlessly
 * retries a record: failed records are bisected, retried a bounded number of times, and their
 * failure context sent to an on-failure destination that is alarmed.
 */
export class StreamProcessor extends Construct implements iam.IGrantable, IDashboardSource {
  /** The function the event source mapping invokes: the one given, or the one defined. */
  public readonly consumer: lambda.IFunction;

  /** The function defined from `consumerProps`, if any. */
  public readonly lambdaFunction?: lambda.Function;

  /** The event source mapping that reads the stream. */
  public readonly eventSourceMapping: lambda.EventSourceMapping;

  /** The Kinesis data stream read, for a Kinesis source. */
  public readonly stream?: kinesis.IStream;

  /** The enhanced fan-out consumer the mapping reads through, when enabled. */
  public readonly streamConsumer?: kinesis.IStreamConsumer;

  /** The table whose stream is read, for a DynamoDB source. */
  public readonly table?: dynamodb.ITable;

  /** The queue that receives the failure context of discarded records (unless a topic was given). */
  public readonly onFailureQueue?: sqs.IQueue;

  /** The topic that receives the failure context, when one was given. */
  public readonly onFailureTopic?: sns.ITopic;

  /** The maximum record age the mapping applies. */
  public readonly maxRecordAge: Duration;

  /** Iterator age, failure destination, delivery failure and error alarms. */
  public readonly alarms: cloudwatch.Alarm[] = [];

  public readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: StreamProcessorProps) {
    super(scope, id);
    // The props checked and defaulted; their relations with the source once it is bound (below).
    const options = resolveProps(STREAM_PROCESSOR_SPEC, props);

    ({ consumer: this.consumer, lambdaFunction: this.lambdaFunction } = resolveConsumer(this, options,
      'records that fail go to the mapping\'s on-failure destination.'));
    this.grantPrincipal = this.consumer.grantPrincipal;

    const source = options.source.bind(this);
    this.stream = source.stream;
    this.streamConsumer = source.streamConsumer;
    this.table = source.table;
    const config = resolveWithSource(options, source);
    this.maxRecordAge = config.maxRecordAge;

    const statements = [...source.policyStatements];
    let onFailure: lambda.IEventSourceDlq;
    if (config.onFailureTopic) {
      this.onFailureTopic = config.onFailureTopic;
      onFailure = onFailureDestination(config.onFailureTopic.topicArn);
      statements.push(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [config.onFailureTopic.topicArn] }));
      if (config.onFailureTopic.masterKey) {
        // What a publisher to an SSE topic needs on its key (what topic.grantPublish grants).
        statements.push(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: [config.onFailureTopic.masterKey.keyArn] }));
      }
    } else {
      this.onFailureQueue = config.onFailureQueue ?? createDeadLetterQueue(this, 'OnFailureQueue');
      onFailure = onFailureDestination(this.onFailureQueue.queueArn);
      statements.push(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.onFailureQueue.queueArn] }));
      if (this.onFailureQueue.encryptionMasterKey) {
        // What a producer to an SSE-KMS queue needs on its key (SQS key management documentation).
        statements.push(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [this.onFailureQueue.encryptionMasterKey.keyArn] }));
      }
    }

    this.eventSourceMapping = new lambda.EventSourceMapping(this, 'EventSourceMapping', {
      target: this.consumer,
      eventSourceArn: source.eventSourceArn,
      startingPosition: config.startingPosition,
      startingPositionTimestamp: config.startingPositionTimestamp,
      batchSize: config.batchSize,
      maxBatchingWindow: config.maxBatchingWindow,
      parallelizationFactor: config.parallelizationFactor,
      bisectBatchOnError: config.bisectBatchOnError,
      retryAttempts: config.retryAttempts,
      // EventSourceMapping compares a token's placeholder number with 60 s and throws: the L1 takes it below.
      maxRecordAge: this.maxRecordAge.isUnresolved() ? undefined : this.maxRecordAge,
      reportBatchItemFailures: config.reportBatchItemFailures,
      tumblingWindow: config.tumblingWindow,
      filters: config.filters,
      filterEncryption: config.filterEncryption,
      enabled: config.enabled,
      onFailure,
    });

    for (const dependency of source.mappingDependencies ?? []) this.eventSourceMapping.node.addDependency(dependency);
    if (this.maxRecordAge.isUnresolved()) {
      (this.eventSourceMapping.node.defaultChild as lambda.CfnEventSourceMapping).maximumRecordAgeInSeconds = this.maxRecordAge.toSeconds();
    }
    const policy = grantMappingAccess(this, this.consumer, this.eventSourceMapping, statements);
    if (!policy) {
      Annotations.of(this).addWarningV2('cdk-serverless-patterns:StreamProcessor:consumerWithoutRole',
        'The consumer was imported without its role, so it cannot be granted the source here: the mapping fails to create unless its role already allows ' +
        statements.map((st) => st.actions.join(', ')).join('; ') + ' on the source, its consumer, the on-failure destination and their keys');
    } else {
      // This policy holds only the statements above, so these acknowledgements hide nothing granted later.
      if (this.table) {
        acknowledgeNagRule(policy, 'AwsSolutions-IAM5[Resource::*]',
          'dynamodb:ListStreams, which Lambda needs to read a DynamoDB stream, accepts no resource but `*` (service authorization reference).');
      }
      if (config.onFailureTopic?.masterKey) {
        acknowledgeNagRule(policy, 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
          'Publishing failure records to the KMS-encrypted onFailureTopic: kms:GenerateDataKey* (what SNS documents for publishers to an encrypted topic) on that topic\'s key only.');
      }
    }

    this.warnOnConcurrency(source.shardCount, config.parallelizationFactor);
    this.createAlarms(config);
  }

  /**
   * Any Lambda metric of the consumer (namespace `AWS/Lambda`, the consumer's dimensions).
   *
   * @default - average over 5 minutes
   * @see https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.consumer.metric(metricName, props);
  }

  /**
   * Age of the newest record of the last batch when it reached the function (Lambda's
   * `IteratorAge`, milliseconds). Works for every source and for enhanced fan-out, where the
   * stream's `GetRecords.IteratorAgeMilliseconds` is not emitted.
   *
   * @default - maximum over 5 minutes
   */
  public metricIteratorAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.consumer.metric('IteratorAge', { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * Invocations of the consumer that ended in an error.
   *
   * @default - sum over 5 minutes
   */
  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.consumer.metricErrors(props);
  }

  /**
   * Times Lambda failed to send a failure context to the on-failure destination: those records
   * are lost unless read again from the stream in time.
   *
   * @default - sum over 5 minutes
   */
  public metricDestinationDeliveryFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.consumer.metric('DestinationDeliveryFailures', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Failure contexts waiting in the on-failure queue (its `ApproximateNumberOfMessagesVisible`).
   * Throws when the destination is a topic.
   *
   * @default - maximum over 5 minutes
   */
  public metricOnFailureQueueApproximateNumberOfMessagesVisible(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    if (!this.onFailureQueue) {
      throw new Error('metricOnFailureQueueApproximateNumberOfMessagesVisible: the on-failure destination of this StreamProcessor is a topic, not a queue');
    }
    return this.onFailureQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * The processor on a `ServiceDashboard`: the iterator age against the alarm threshold and
   * `maxRecordAge` (where records are discarded), errors and failed deliveries to the on-failure
   * destination, and the on-failure queue's depth.
   *
   * `IteratorAge` and `DestinationDeliveryFailures` are Lambda's event source mapping metrics
   * (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html).
   */
  public dashboardWidgets(): cloudwatch.IWidget[] {
    const iteratorAgeLimits = alarmAnnotations(this, 'IteratorAgeAlarm');
    if (!this.maxRecordAge.isUnresolved()) {
      iteratorAgeLimits.push({ value: this.maxRecordAge.toMilliseconds(), label: `maxRecordAge (${this.maxRecordAge.toHumanString()}): discarded beyond` });
    }
    const widgets: cloudwatch.IWidget[] = [
      titleWidget(this, 'StreamProcessor'),
      graphWidget({
        title: 'Iterator age (ms)',
        left: [this.metricIteratorAge({ label: 'IteratorAge (maximum)' })],
        leftAnnotations: iteratorAgeLimits,
      }),
      graphWidget({
        title: 'Errors and undelivered failure contexts',
        left: [this.metricErrors(), this.metricDestinationDeliveryFailures()],
        leftAnnotations: alarmAnnotations(this, 'ErrorsAlarm', 'DestinationDeliveryFailuresAlarm'),
      }),
    ];
    if (this.onFailureQueue) {
      widgets.push(graphWidget({
        title: 'On-failure queue depth',
        left: [this.metricOnFailureQueueApproximateNumberOfMessagesVisible({ label: 'ApproximateNumberOfMessagesVisible' })],
        leftAnnotations: alarmAnnotations(this, 'OnFailureQueueDepthAlarm'),
      }));
    }
    return widgets;
  }

  /** Warns when the shards can ask for more concurrent invocations than the consumer may run. */
  private warnOnConcurrency(shardCount: number | undefined, parallelizationFactor: number): void {
    const reserved = reservedConcurrencyOf(this.consumer);
    if (shardCount === undefined || reserved === undefined || Token.isUnresolved(parallelizationFactor)) return;
    const needed = shardCount * parallelizationFactor;
    if (needed > reserved) {
      Annotations.of(this).addWarningV2('cdk-serverless-patterns:StreamProcessor:concurrency',
        `${shardCount} shards x parallelizationFactor ${parallelizationFactor} = ${needed} concurrent invocations, ` +
        `but the consumer's reserved concurrency is ${reserved}: batches will be throttled and the iterator age will grow. ` +
        'Raise the reserved concurrency or lower the parallelization factor.');
    }
  }

  private createAlarms(config: BoundStreamProcessorConfig): void {
    const topic = config.alarmTopic;
    const threshold = config.iteratorAgeAlarmThreshold;
    this.alarms.push(createAlarm(this, 'IteratorAgeAlarm', {
      metric: this.metricIteratorAge(),
      threshold: threshold.toMilliseconds(),
      description: `Records wait longer than ${threshold.toHumanString()} before processing; at ${this.maxRecordAge.toHumanString()} they are discarded to the on-failure destination.`,
    }, topic));
    this.alarms.push(createAlarm(this, 'ErrorsAlarm', {
      metric: this.metricErrors(),
      threshold: 1,
      description: 'The stream consumer returned errors; its batches are being bisected and retried.',
    }, topic));
    this.alarms.push(createAlarm(this, 'DestinationDeliveryFailuresAlarm', {
      metric: this.metricDestinationDeliveryFailures(),
      threshold: 1,
      description: 'Lambda could not deliver failure contexts to the on-failure destination: replay those records from the stream before its retention ends.',
    }, topic));
    if (this.onFailureQueue) {
      this.alarms.push(createAlarm(this, 'OnFailureQueueDepthAlarm', {
        metric: this.metricOnFailureQueueApproximateNumberOfMessagesVisible(),
        threshold: 1,
        description: 'Records were discarded by the stream processor; their failure context waits in the on-failure queue.',
      }, topic));
    }
  }
}
