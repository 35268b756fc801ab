import { Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as fc from 'fast-check';
import { StreamProcessor, StreamProcessorProps, StreamSource } from '../../../src';
import { acknowledgeNagRule } from '../../../src/common/nag';
import { createSecureFunction } from '../../../src/common/secure-function';
import { createDeadLetterQueue } from '../../../src/common/secure-queue';
import { EXISTING_KINESIS_SOURCE_SPEC, NEW_KINESIS_STREAM_SPEC, STREAM_PROCESSOR_SPEC } from '../../../src/stream-processor/private/spec';
import { faultableRows, faultyValue, validValue } from '../../support/spec-values';
import { FuzzCase, RobustnessSubject, fractionalDuration, numberToken } from '../support/subject';

const ROWS = STREAM_PROCESSOR_SPEC.rows;
const NEW_STREAM_ROWS = NEW_KINESIS_STREAM_SPEC.rows;

const ACCOUNT = '111122223333';
const code = lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });');
const consumerProps: lambda.FunctionProps = { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code };

type SourceKind = 'new-stream' | 'existing-stream' | 'owned-stream' | 'owned-table' | 'imported-table';
interface Draft {
  readonly source: SourceKind;
  readonly shardCount?: number;
  /** Retention of a Kinesis stream, in hours (DynamoDB streams keep 24 h). */
  readonly retentionHours?: number;
  readonly streamKey: boolean;
  readonly enhancedFanOut?: boolean;
  readonly consumer: 'props' | 'owned' | 'imported';
  readonly onFailure: 'default' | 'queue' | 'topic';
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';
  readonly batchSize?: number;
  readonly maxBatchingWindowSeconds?: number;
  readonly parallelizationFactor?: number;
  readonly bisectBatchOnError?: boolean;
  readonly retryAttempts?: number;
  readonly maxRecordAgeSeconds?: number;
  readonly reportBatchItemFailures?: boolean;
  readonly tumblingWindowSeconds?: number;
  readonly filter: boolean;
  readonly enabled?: boolean;
  readonly iteratorAgeAlarmMinutes?: number;
  readonly alarmTopic: boolean;
  /** Pass the numbers as deploy-time tokens. */
  readonly tokens: boolean;
}

const isKinesis = (d: Draft) => d.source === 'new-stream' || d.source === 'existing-stream' || d.source === 'owned-stream';
/** The retention the construct knows, in seconds (undefined when it cannot know it). */
function knownRetentionSeconds(d: Draft): number | undefined {
  if (!isKinesis(d)) return 24 * 3600;
  if (d.source === 'existing-stream') return d.retentionHours === undefined ? undefined : d.retentionHours * 3600;
  return (d.retentionHours ?? 24) * 3600;
}

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
/** A value the spec's row accepts, its bounds drawn more often (durations as a number of `unit`). */
const specNumber = (kind: Parameters<typeof validValue>[0]) => validValue(kind).map((v) => {
  if (!(v instanceof Duration)) return v as number;
  return kind.kind === 'duration' && kind.unit === 'hours' ? v.toHours() : v.toSeconds();
});
/** StreamProcessor's documented maxRecordAge default (1 hour). */
const DEFAULT_MAX_RECORD_AGE_SECONDS = 3600;

const draft: fc.Arbitrary<Draft> = fc.record({
  source: fc.constantFrom<SourceKind>('new-stream', 'existing-stream', 'owned-stream', 'owned-table', 'imported-table'),
  shardCount: opt(specNumber(NEW_STREAM_ROWS.shardCount.kind)),
  retentionHours: opt(specNumber(NEW_STREAM_ROWS.retentionPeriod.kind)),
  streamKey: fc.boolean(),
  enhancedFanOut: opt(fc.boolean()),
  consumer: fc.constantFrom<Draft['consumer']>('props', 'owned', 'imported'),
  onFailure: fc.constantFrom<Draft['onFailure']>('default', 'queue', 'topic'),
  startingPosition: opt(fc.constantFrom<'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP'>('TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP')),
  batchSize: opt(specNumber(ROWS.batchSize.kind)),
  maxBatchingWindowSeconds: opt(specNumber(ROWS.maxBatchingWindow.kind)),
  parallelizationFactor: opt(specNumber(ROWS.parallelizationFactor.kind)),
  bisectBatchOnError: opt(fc.boolean()),
  retryAttempts: opt(specNumber(ROWS.retryAttempts.kind)),
  maxRecordAgeShare: opt(fc.double({ min: 0, max: 1, noNaN: true })),
  reportBatchItemFailures: opt(fc.boolean()),
  tumblingWindowSeconds: opt(specNumber(ROWS.tumblingWindow.kind)),
  filter: fc.boolean(),
  enabled: opt(fc.boolean()),
  iteratorAgeAlarmMinutes: opt(fc.integer({ min: 1, max: 1440 })),
  alarmTopic: fc.boolean(),
  tokens: fc.boolean(),
}).map(({ maxRecordAgeShare, ...d }): Draft => {
  // Valid: maxRecordAge in 60 s - 7 days and within the stream's retention; AT_TIMESTAMP only on Kinesis.
  const bound = Math.min(7 * 86_400, knownRetentionSeconds(d as Draft) ?? 7 * 86_400);
  const maxRecordAgeSeconds = maxRecordAgeShare === undefined ? undefined : 60 + Math.floor(maxRecordAgeShare * (bound - 60));
  // Valid: the iterator-age alarm threshold within maxRecordAge (default 1 hour), or it could never fire.
  const alarmBound = Math.floor((maxRecordAgeSeconds ?? DEFAULT_MAX_RECORD_AGE_SECONDS) / 60);
  return {
    ...d,
    maxRecordAgeSeconds,
    iteratorAgeAlarmMinutes: d.iteratorAgeAlarmMinutes === undefined ? undefined : Math.min(d.iteratorAgeAlarmMinutes, alarmBound),
    startingPosition: d.startingPosition === 'AT_TIMESTAMP' && !isKinesis(d as Draft) ? 'LATEST' : d.startingPosition,
  };
});

function source(d: Draft, stack: Stack): StreamSource {
  const n = (x: number | undefined) => (x === undefined || !d.tokens ? x : numberToken(x));
  const retentionPeriod = d.retentionHours === undefined ? undefined : Duration.hours(d.retentionHours);
  const key = () => new kms.Key(stack, 'StreamKey', { enableKeyRotation: true });
  switch (d.source) {
    case 'new-stream':
      return StreamSource.newKinesisStream({
        shardCount: n(d.shardCount), retentionPeriod, streamEncryptionKey: d.streamKey ? key() : undefined, enhancedFanOut: d.enhancedFanOut,
      });
    case 'existing-stream':
      return StreamSource.kinesis(kinesis.Stream.fromStreamArn(stack, 'Stream', `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/orders`),
        { retentionPeriod, enhancedFanOut: d.enhancedFanOut });
    case 'owned-stream':
      return StreamSource.kinesis(new kinesis.Stream(stack, 'Stream', {
        encryption: kinesis.StreamEncryption.MANAGED, retentionPeriod: retentionPeriod, shardCount: d.shardCount ?? 1,
      }), { enhancedFanOut: d.enhancedFanOut });
    case 'owned-table':
      return StreamSource.dynamoDb(new dynamodb.Table(stack, 'Table', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      }));
    case 'imported-table':
      return StreamSource.dynamoDb(dynamodb.Table.fromTableAttributes(stack, 'Table', {
        tableArn: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`,
        tableStreamArn: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders/stream/2026-01-01T00:00:00.000`,
      }));
  }
}

function toProps(d: Draft, stack: Stack): StreamProcessorProps {
  const n = (x: number | undefined) => (x === undefined || !d.tokens ? x : numberToken(x));
  const seconds = (x: number | undefined) => (x === undefined ? undefined : Duration.seconds(n(x)!));
  const ownedConsumer = () => {
    const fn = createSecureFunction(stack, 'Own', consumerProps);
    acknowledgeNagRule(fn, 'Serverless-LambdaDLQ', 'fuzz: invoked by an event source mapping only');
    // What the owner of a role does when it may publish to a KMS-encrypted topic (CDK's grant).
    acknowledgeNagRule(fn.role!, 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', 'fuzz: publishing to the encrypted on-failure topic');
    return fn;
  };
  const consumer = {
    props: () => ({ consumerProps }),
    owned: () => ({ consumer: ownedConsumer() }),
    imported: () => ({
      consumer: lambda.Function.fromFunctionAttributes(stack, 'Imported', {
        functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:consumer`,
        role: iam.Role.fromRoleArn(stack, 'ImportedRole', `arn:aws:iam::${ACCOUNT}:role/consumer`, { mutable: false }),
        sameEnvironment: true,
      }),
    }),
  }[d.consumer]();
  const topic = (id: string) => new sns.Topic(stack, id, { enforceSSL: true, masterKey: new kms.Key(stack, `${id}Key`, { enableKeyRotation: true }) });
  return {
    source: source(d, stack),
    ...consumer,
    onFailureQueue: d.onFailure === 'queue' ? createDeadLetterQueue(stack, 'Failures') : undefined,
    onFailureTopic: d.onFailure === 'topic' ? topic('Failures') : undefined,
    startingPosition: d.startingPosition === undefined ? undefined : lambda.StartingPosition[d.startingPosition],
    startingPositionTimestamp: d.startingPosition === 'AT_TIMESTAMP' ? 1_767_225_600 : undefined,
    batchSize: n(d.batchSize),
    maxBatchingWindow: seconds(d.maxBatchingWindowSeconds),
    parallelizationFactor: n(d.parallelizationFactor),
    bisectBatchOnError: d.bisectBatchOnError,
    retryAttempts: n(d.retryAttempts),
    maxRecordAge: seconds(d.maxRecordAgeSeconds),
    reportBatchItemFailures: d.reportBatchItemFailures,
    tumblingWindow: seconds(d.tumblingWindowSeconds),
    filters: d.filter ? [lambda.FilterCriteria.filter({ data: { kind: lambda.FilterRule.isEqual('order') } })] : undefined,
    enabled: d.enabled,
    iteratorAgeAlarmThreshold: d.iteratorAgeAlarmMinutes === undefined ? undefined : Duration.minutes(d.iteratorAgeAlarmMinutes),
    alarmTopic: d.alarmTopic ? topic('Alarms') : undefined,
  };
}

/** A fault: the prop its error must name, whether it applies to a draft, and how to inject it. */
interface Fault {
  readonly prop: string;
  readonly appliesTo: (d: Draft) => boolean;
  readonly apply: (p: StreamProcessorProps, stack: Stack, d: Draft) => StreamProcessorProps;
}
const fault = (prop: string, apply: Fault['apply'], appliesTo: Fault['appliesTo'] = () => true): Fault => ({ prop, apply, appliesTo });
const seconds = (s: number) => Duration.seconds(s);
const importedStream = (stack: Stack) => kinesis.Stream.fromStreamArn(stack, 'Given', `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/given`);

/** Every row with a range, of the processor and of its sources: below the minimum, above the maximum, a fraction of the unit (issue 18). */
const rangeFaults = [
  ...faultableRows(ROWS).map(({ path, kind }) => faultyValue(kind)!.map((v) => fault(path, (p) => ({ ...p, [path]: v })))),
  ...faultableRows(NEW_STREAM_ROWS).map(({ path, kind }) => faultyValue(kind)!.map((v) => fault(path,
    (p) => ({ ...p, source: StreamSource.newKinesisStream({ [path]: v }) })))),
  ...faultableRows(EXISTING_KINESIS_SOURCE_SPEC.rows).map(({ path, kind }) => faultyValue(kind)!.map((v) => fault(path,
    (p, stack) => ({ ...p, source: StreamSource.kinesis(importedStream(stack), { [path]: v }) })))),
];

const faults: fc.Arbitrary<Fault> = fc.oneof(
  ...rangeFaults,
  fractionalDuration('seconds', 1, 900).map((v) => fault('consumerProps.timeout',
    (p) => ({ ...p, consumerProps: { ...p.consumerProps!, timeout: v } }), (d) => d.consumer === 'props')),
  // Longer than a known retention below 7 days.
  fc.constant(fault('maxRecordAge', (p, _stack, d) => ({ ...p, maxRecordAge: seconds(knownRetentionSeconds(d)! + 1) }),
    (d) => (knownRetentionSeconds(d) ?? Infinity) < 7 * 86_400)),
  // An iterator-age alarm above maxRecordAge can never fire.
  fc.integer({ min: 1, max: 1440 }).map((m) => fault('iteratorAgeAlarmThreshold', (p) => ({
    ...p,
    iteratorAgeAlarmThreshold: (p.maxRecordAge ?? Duration.seconds(DEFAULT_MAX_RECORD_AGE_SECONDS)).plus(Duration.minutes(m)),
  }), (d) => !d.tokens)), // a token maxRecordAge cannot be compared at synth (and is not refused)
  fc.constant(fault('startingPosition', (p) => ({ ...p, startingPosition: lambda.StartingPosition.AT_TIMESTAMP, startingPositionTimestamp: undefined }))),
  fc.constantFrom(lambda.StartingPosition.TRIM_HORIZON, lambda.StartingPosition.LATEST).map((position) => fault('startingPositionTimestamp',
    (p) => ({ ...p, startingPosition: position, startingPositionTimestamp: 1_767_225_600 }))),
  fc.constant(fault('filterEncryption', (p, stack) => ({ ...p, filters: undefined, filterEncryption: new kms.Key(stack, 'FilterKey') }))),
  fc.constant(fault('consumer', (p) => ({ ...p, consumer: undefined, consumerProps: undefined }))),
  fc.constant(fault('consumerProps', (p, stack) => ({
    ...p,
    consumerProps,
    consumer: p.consumer ?? lambda.Function.fromFunctionArn(stack, 'Both', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:both`),
  }))),
  fc.constant(fault('onFailureTopic', (p, stack) => ({
    ...p,
    onFailureQueue: p.onFailureQueue ?? createDeadLetterQueue(stack, 'FailuresBoth'),
    onFailureTopic: p.onFailureTopic ?? new sns.Topic(stack, 'FailuresBoth2', { enforceSSL: true }),
  }))),
  fc.constant(fault('table', (p, stack) => ({
    ...p,
    source: StreamSource.dynamoDb(new dynamodb.Table(stack, 'NoStream', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } })),
  }))),
);

const cases: fc.Arbitrary<FuzzCase> = fc.tuple(draft, fc.option(faults, { nil: undefined, freq: 2 })).map(([d, f]): FuzzCase => {
  // A fault that does not apply to this draft leaves a valid case.
  const applies = f !== undefined && f.appliesTo(d);
  return {
    label: `${JSON.stringify(d)}${applies ? ` + bad ${f!.prop}` : ''}`,
    fault: applies ? f!.prop : undefined,
    build: (stack) => {
      const props = toProps(d, stack);
      new StreamProcessor(stack, 'Processor', applies ? f!.apply(props, stack, d) : props);
    },
  };
});

export const subject: RobustnessSubject = {
  name: 'StreamProcessor',
  cases,
  configurations: {
    default: (stack) => new StreamProcessor(stack, 'Processor', { source: StreamSource.newKinesisStream(), consumerProps }),
    fullest: (stack) => new StreamProcessor(stack, 'Processor', toProps({
      source: 'new-stream',
      shardCount: 4,
      retentionHours: 48,
      streamKey: true,
      enhancedFanOut: true,
      consumer: 'props',
      onFailure: 'topic',
      startingPosition: 'LATEST',
      batchSize: 500,
      maxBatchingWindowSeconds: 10,
      parallelizationFactor: 10,
      bisectBatchOnError: false,
      retryAttempts: 10,
      maxRecordAgeSeconds: 7200,
      reportBatchItemFailures: false,
      tumblingWindowSeconds: 60,
      filter: true,
      enabled: false,
      iteratorAgeAlarmMinutes: 10,
      alarmTopic: true,
      tokens: false,
    }, stack)),
  },
};
