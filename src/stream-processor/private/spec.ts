import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { defineSpec, PropKind, Resolved } from '../../common/spec';
import { validateOrder } from '../../common/validation';
import type { StreamProcessorProps } from '../stream-processor';
import type { ExistingKinesisSourceOptions, NewKinesisStreamOptions, StreamSourceConfig } from '../stream-source';

/** Minimum retention of any Kinesis stream and the fixed retention of a DynamoDB stream. */
const MIN_STREAM_RETENTION = Duration.hours(24);

/** Kinesis keeps records for whole hours (RetentionPeriodHours; aws-cdk-lib converts with toHours()). */
const RETENTION_PERIOD = { kind: 'duration', unit: 'hours', min: MIN_STREAM_RETENTION, max: Duration.days(365) } as const satisfies PropKind;

/**
 * The props a StreamProcessor reads. The failure-handling defaults differ from Lambda's where
 * Lambda's would lose or block records (TRIM_HORIZON, 3 retries, 1 hour, bisection). The mapping takes its durations in seconds
 * (MaximumBatchingWindowInSeconds, TumblingWindowInSeconds, MaximumRecordAgeInSeconds); the
 * relations with the source (its retention, its kind) are checked once it is bound, by
 * `resolveWithSource`.
 */
export const STREAM_PROCESSOR_SPEC = defineSpec<StreamProcessorProps>()({
  source: { kind: { kind: 'other' } },
  consumer: { kind: { kind: 'other' }, defaultDoc: '- a function defined from `consumerProps`' },
  consumerProps: { kind: { kind: 'other' }, defaultDoc: '- `consumer` is used', readmeDefault: 'own role and log group' },
  startingPosition: {
    kind: { kind: 'oneOf', values: Object.values(lambda.StartingPosition) },
    default: lambda.StartingPosition.TRIM_HORIZON,
    defaultDoc: 'lambda.StartingPosition.TRIM_HORIZON - the oldest record kept, so records written',
    readmeDefault: '`TRIM_HORIZON`',
    validate: (position, path, props) => {
      if (position === lambda.StartingPosition.AT_TIMESTAMP && props.startingPositionTimestamp === undefined) {
        throw new Error(`${path} AT_TIMESTAMP requires startingPositionTimestamp`);
      }
    },
  },
  startingPositionTimestamp: {
    kind: { kind: 'other' },
    defaultDoc: '- none',
    validate: (_timestamp, path, props) => {
      if (props.startingPosition !== lambda.StartingPosition.AT_TIMESTAMP) {
        throw new Error(`${path} requires startingPosition AT_TIMESTAMP, got ${props.startingPosition}`);
      }
    },
  },
  batchSize: { kind: { kind: 'integer', min: 1, max: 10_000 }, default: 100, readmeDefault: '100' },
  maxBatchingWindow: {
    kind: { kind: 'duration', unit: 'seconds', min: Duration.seconds(0), max: Duration.seconds(300) },
    defaultDoc: '- no batching window (invoke as soon as records are available)',
    readmeDefault: 'none',
  },
  parallelizationFactor: { kind: { kind: 'integer', min: 1, max: 10 }, default: 1, readmeDefault: '1' },
  bisectBatchOnError: { kind: { kind: 'boolean' }, default: true, readmeDefault: '`true`' },
  retryAttempts: { kind: { kind: 'integer', min: 0, max: 10_000 }, default: 3, readmeDefault: '3' },
  maxRecordAge: {
    kind: { kind: 'duration', unit: 'seconds', min: Duration.seconds(60), max: Duration.days(7) },
    default: Duration.hours(1),
    defaultDoc: 'Duration.hours(1)',
    readmeDefault: '1 hour',
  },
  reportBatchItemFailures: { kind: { kind: 'boolean' }, default: true, readmeDefault: '`true`' },
  tumblingWindow: {
    kind: { kind: 'duration', unit: 'seconds', min: Duration.seconds(0), max: Duration.seconds(900) },
    defaultDoc: '- no tumbling window',
    readmeDefault: 'none',
  },
  filters: { kind: { kind: 'other' }, defaultDoc: '- every record is processed', readmeDefault: 'none' },
  // The mapping encrypts the filter criteria: without filters there is nothing to encrypt.
  filterEncryption: { kind: { kind: 'other' }, requires: ['filters'], defaultDoc: '- an AWS-owned key', readmeDefault: 'none' },
  // Left undefined (Lambda's default, enabled) so that the template says only what was asked.
  enabled: { kind: { kind: 'boolean' }, defaultDoc: 'true' },
  onFailureQueue: {
    kind: { kind: 'other' },
    conflicts: ['onFailureTopic'],
    defaultDoc: '- a new queue (SSE-SQS encrypted, TLS only, 14-day retention), unless `onFailureTopic` is given',
    readmeDefault: 'a new queue',
  },
  onFailureTopic: { kind: { kind: 'other' }, defaultDoc: '- a queue (see `onFailureQueue`)', readmeDefault: 'a new queue' },
  iteratorAgeAlarmThreshold: {
    // IteratorAge is reported in whole milliseconds; the threshold is converted with toMilliseconds().
    kind: { kind: 'duration', unit: 'milliseconds', min: Duration.millis(1), max: Duration.days(7) },
    // Records older than maxRecordAge leave for the on-failure destination: IteratorAge never exceeds it.
    atMost: ['maxRecordAge'],
    defaultDoc: '- half of the smaller of `maxRecordAge` and the stream\'s retention (24 hours when',
    readmeDefault: 'half of min(`maxRecordAge`, retention)',
  },
  alarmTopic: { kind: { kind: 'other' }, defaultDoc: '- the alarms have no actions', readmeDefault: 'without actions' },
});

/** A StreamProcessor's props, validated and defaulted. */
export type StreamProcessorConfig = Resolved<StreamProcessorProps, typeof STREAM_PROCESSOR_SPEC.rows>;

/** The configuration once the source is bound: the iterator-age threshold is then known. */
export type BoundStreamProcessorConfig = StreamProcessorConfig & { readonly iteratorAgeAlarmThreshold: Duration };

/**
 * The relations of the props with the bound source: AT_TIMESTAMP is Kinesis-only, maxRecordAge is
 * at most the stream's retention, and the iterator-age threshold defaults to half of the smaller
 * of the two, so that the alarm leaves as much time to react as the backlog took to build up.
 */
export function resolveWithSource(config: StreamProcessorConfig, source: StreamSourceConfig): BoundStreamProcessorConfig {
  if (source.table && config.startingPosition === lambda.StartingPosition.AT_TIMESTAMP) {
    throw new Error('startingPosition AT_TIMESTAMP is supported for Kinesis sources only; a DynamoDB stream starts at TRIM_HORIZON or LATEST');
  }
  validateOrder('maxRecordAge', config.maxRecordAge, "the stream's retention period", source.retentionPeriod);
  return {
    ...config,
    iteratorAgeAlarmThreshold: config.iteratorAgeAlarmThreshold ?? defaultIteratorAgeThreshold(config.maxRecordAge, source.retentionPeriod),
  };
}

function defaultIteratorAgeThreshold(maxRecordAge: Duration, retention: Duration | undefined): Duration {
  const known = [maxRecordAge, retention].filter((d): d is Duration => d !== undefined && !d.isUnresolved());
  const bound = known.length > 0 ? Math.min(...known.map((d) => d.toMilliseconds())) : MIN_STREAM_RETENTION.toMilliseconds();
  return Duration.millis(Math.round(bound / 2));
}

/** `StreamSource.kinesis` options. */
export const EXISTING_KINESIS_SOURCE_SPEC = defineSpec<ExistingKinesisSourceOptions>()({
  enhancedFanOut: { kind: { kind: 'boolean' }, default: false },
  retentionPeriod: {
    kind: RETENTION_PERIOD,
    defaultDoc: '- read from the stream when it is a `kinesis.Stream` of this app, otherwise unknown',
  },
});

/** `StreamSource.newKinesisStream` options. */
export const NEW_KINESIS_STREAM_SPEC = defineSpec<NewKinesisStreamOptions>()({
  enhancedFanOut: { kind: { kind: 'boolean' }, default: false },
  shardCount: { kind: { kind: 'integer', min: 1 }, defaultDoc: '- on-demand capacity mode (the stream scales its shards itself)', readmeDefault: 'on-demand' },
  retentionPeriod: { kind: RETENTION_PERIOD, default: MIN_STREAM_RETENTION, defaultDoc: 'Duration.hours(24)', readmeDefault: '24 h retention' },
  streamEncryptionKey: { kind: { kind: 'other' }, defaultDoc: '- the AWS-managed key `alias/aws/kinesis`', readmeDefault: '`aws/kinesis` key' },
  removalPolicy: {
    kind: { kind: 'oneOf', values: Object.values(RemovalPolicy) },
    default: RemovalPolicy.RETAIN,
    defaultDoc: 'RemovalPolicy.RETAIN',
    readmeDefault: 'retained on delete',
  },
});
