import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as fc from 'fast-check';
import { DurableSubscriber, DurableSubscriberProps } from '../../../src';
import { acknowledgeNagRule } from '../../../src/common/nag';
import { createSecureFunction } from '../../../src/common/secure-function';
import type { PropKind } from '../../../src/common/spec';
import { DEAD_LETTER_RETENTION, DURABLE_SUBSCRIBER_SPEC } from '../../../src/durable-subscriber/private/spec';
import { faultableRows, faultyValue, validValue } from '../../support/spec-values';
import { FuzzCase, RobustnessSubject, fractionalDuration, numberToken } from '../support/subject';

const ACCOUNT = '111122223333';
const code = lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });');
const functionProps = (timeout?: number): lambda.FunctionProps => ({
  runtime: lambda.Runtime.NODEJS_24_X,
  handler: 'index.handler',
  code,
  timeout: timeout === undefined ? undefined : Duration.seconds(timeout),
});

type TopicKind = 'new' | 'new-fifo' | 'imported' | 'imported-fifo' | 'owned';
type ConsumerKind = 'props' | 'owned-function' | 'owned-alias' | 'imported-with-role' | 'imported-without-role';

/** A valid configuration, in data form so fast-check can print and shrink it. */
interface Draft {
  readonly topic: TopicKind;
  readonly consumer: ConsumerKind;
  /** The consumer's timeout in seconds (undefined: createSecureFunction's 30 s). */
  readonly timeout?: number;
  readonly key: 'none' | 'new' | 'imported';
  readonly windowSeconds?: number;
  readonly batchSize?: number;
  readonly maxConcurrency?: number;
  readonly maxReceiveCount?: number;
  readonly retentionSeconds?: number;
  /** The visibility timeout in seconds, raised to the consumer's timeout when the construct knows it. */
  readonly visibilitySeconds?: number;
  readonly giveVisibility: boolean;
  readonly filter: 'none' | 'attributes' | 'body';
  readonly rawMessageDelivery?: boolean;
  readonly reportBatchItemFailures?: boolean;
  readonly alarmTopic: boolean;
  /** Which numeric props are passed as deploy-time tokens. */
  readonly tokens: ReadonlyArray<'batchSize' | 'maxConcurrency' | 'maxReceiveCount' | 'retentionPeriod' | 'visibilityTimeout' | 'maxBatchingWindow'>;
}

/** A fault: one prop set to a value the construct must reject (or a forbidden combination). */
interface Fault { readonly prop: string; readonly apply: (props: DurableSubscriberProps, stack: Stack) => DurableSubscriberProps }

const isFifo = (d: Draft) => d.topic === 'new-fifo' || d.topic === 'imported-fifo';
const isImportedConsumer = (d: Draft) => d.consumer === 'imported-with-role' || d.consumer === 'imported-without-role';
/** The consumer's timeout the construct sees, undefined when it cannot read it (an imported function). */
function knownTimeout(d: Draft): number | undefined {
  // createSecureFunction gives every function it defines (ours and the owned one) 30 s.
  return isImportedConsumer(d) ? undefined : d.timeout ?? 30;
}

const rows = DURABLE_SUBSCRIBER_SPEC.rows;
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
/** The values a row accepts (boundaries included); durations as seconds, so a draft stays data. */
const valid = <T>(row: { kind: PropKind }) => validValue(row.kind) as fc.Arbitrary<T>;
const validSeconds = (row: { kind: PropKind }) => valid<Duration>(row).map((d) => d.toSeconds());

const draft: fc.Arbitrary<Draft> = fc.record({
  topic: fc.constantFrom<TopicKind>('new', 'new-fifo', 'imported', 'imported-fifo', 'owned'),
  consumer: fc.constantFrom<ConsumerKind>('props', 'owned-function', 'owned-alias', 'imported-with-role', 'imported-without-role'),
  timeout: maybe(fc.integer({ min: 1, max: 900 })),
  key: fc.constantFrom<'none' | 'new' | 'imported'>('none', 'new', 'imported'),
  windowSeconds: maybe(validSeconds(rows.maxBatchingWindow)),
  batchSize: maybe(valid<number>(rows.batchSize)),
  maxConcurrency: maybe(valid<number>(rows.maxConcurrency)),
  maxReceiveCount: maybe(valid<number>(rows.maxReceiveCount)),
  // The SQS range, but shorter than the dead-letter queues' retention.
  retentionSeconds: maybe(validSeconds(rows.retentionPeriod).map((s) => Math.min(s, DEAD_LETTER_RETENTION.toSeconds() - 1))),
  visibilitySeconds: maybe(validSeconds(rows.visibilityTimeout)),
  giveVisibility: fc.boolean(),
  filter: fc.constantFrom<'none' | 'attributes' | 'body'>('none', 'attributes', 'body'),
  rawMessageDelivery: maybe(valid<boolean>(rows.rawMessageDelivery)),
  reportBatchItemFailures: maybe(valid<boolean>(rows.reportBatchItemFailures)),
  alarmTopic: fc.boolean(),
  tokens: fc.subarray(['batchSize', 'maxConcurrency', 'maxReceiveCount', 'retentionPeriod', 'visibilityTimeout', 'maxBatchingWindow'] as const),
}).map((d): Draft => {
  // Keep the draft valid: FIFO queues take no batching window and at most 10 messages per batch.
  // Lambda needs a window of at least 1 s for batches above 10.
  const windowSeconds = isFifo(d) ? undefined : d.windowSeconds;
  const bigBatchAllowed = windowSeconds !== undefined && windowSeconds >= 1;
  const batchSize = d.batchSize !== undefined && d.batchSize > 10 && !bigBatchAllowed ? 1 + (d.batchSize % 10) : d.batchSize;
  // The visibility timeout is required when the construct cannot compute it.
  const mustGiveVisibility = isImportedConsumer(d) || (windowSeconds !== undefined && d.tokens.includes('maxBatchingWindow'));
  return { ...d, windowSeconds, batchSize, giveVisibility: d.giveVisibility || mustGiveVisibility };
});

/** Builds the props of a (valid) draft in `stack`. */
function toProps(d: Draft, stack: Stack): DurableSubscriberProps {
  const tok = (prop: Draft['tokens'][number], value: number) => (d.tokens.includes(prop) ? numberToken(value) : value);
  const seconds = (prop: Draft['tokens'][number], value: number | undefined) => (value === undefined ? undefined : Duration.seconds(tok(prop, value)));

  const ownedFunction = () => {
    const fn = createSecureFunction(stack, 'Own', functionProps(d.timeout));
    acknowledgeNagRule(fn, 'Serverless-LambdaDLQ', 'fuzz: invoked by an SQS event source mapping only');
    return fn;
  };
  const consumerBy: Record<ConsumerKind, () => Pick<DurableSubscriberProps, 'consumer' | 'consumerProps'>> = {
    'props': () => ({ consumerProps: functionProps(d.timeout) }),
    'owned-function': () => ({ consumer: ownedFunction() }),
    'owned-alias': () => ({ consumer: new lambda.Alias(stack, 'Live', { aliasName: 'live', version: ownedFunction().currentVersion }) }),
    'imported-with-role': () => ({
      consumer: lambda.Function.fromFunctionAttributes(stack, 'Imported', {
        functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:consumer`,
        role: iam.Role.fromRoleArn(stack, 'ImportedRole', `arn:aws:iam::${ACCOUNT}:role/consumer`, { mutable: false }),
        sameEnvironment: true,
      }),
    }),
    'imported-without-role': () => ({ consumer: lambda.Function.fromFunctionArn(stack, 'Imported', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:consumer`) }),
  };
  const topicBy: Record<TopicKind, () => Pick<DurableSubscriberProps, 'topic' | 'fifo'>> = {
    'new': () => ({}),
    'new-fifo': () => ({ fifo: true }),
    'imported': () => ({ topic: sns.Topic.fromTopicArn(stack, 'Topic', `arn:aws:sns:us-east-1:${ACCOUNT}:orders`) }),
    'imported-fifo': () => ({ topic: sns.Topic.fromTopicArn(stack, 'Topic', `arn:aws:sns:us-east-1:${ACCOUNT}:orders.fifo`) }),
    'owned': () => ({ topic: new sns.Topic(stack, 'Topic', { enforceSSL: true, masterKey: new kms.Key(stack, 'TopicKey', { enableKeyRotation: true }) }) }),
  };
  const queueEncryptionKey = {
    none: undefined,
    new: () => new kms.Key(stack, 'QueueKey', { enableKeyRotation: true }),
    imported: () => kms.Key.fromKeyArn(stack, 'QueueKey', `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`),
  }[d.key]?.();

  // At least the consumer's timeout, when the construct can read it (an imported function's is not checked).
  const visibility = d.giveVisibility ? Math.max(d.visibilitySeconds ?? 0, knownTimeout(d) ?? 0) : undefined;
  return {
    ...topicBy[d.topic](),
    ...consumerBy[d.consumer](),
    queueEncryptionKey,
    maxBatchingWindow: seconds('maxBatchingWindow', d.windowSeconds),
    batchSize: d.batchSize === undefined ? undefined : tok('batchSize', d.batchSize),
    maxConcurrency: d.maxConcurrency === undefined ? undefined : tok('maxConcurrency', d.maxConcurrency),
    maxReceiveCount: d.maxReceiveCount === undefined ? undefined : tok('maxReceiveCount', d.maxReceiveCount),
    retentionPeriod: seconds('retentionPeriod', d.retentionSeconds),
    visibilityTimeout: seconds('visibilityTimeout', visibility),
    filterPolicy: d.filter === 'attributes' ? { kind: sns.SubscriptionFilter.stringFilter({ allowlist: ['order', 'refund'] }) } : undefined,
    filterPolicyWithMessageBody: d.filter === 'body'
      ? { order: sns.FilterOrPolicy.policy({ kind: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.stringFilter({ allowlist: ['paid'] })) }) }
      : undefined,
    rawMessageDelivery: d.rawMessageDelivery,
    reportBatchItemFailures: d.reportBatchItemFailures,
    alarmTopic: d.alarmTopic
      ? new sns.Topic(stack, 'Alarms', { enforceSSL: true, masterKey: new kms.Key(stack, 'AlarmKey', { enableKeyRotation: true }) })
      : undefined,
  };
}

/** The faults that apply to a draft, each naming the prop its error must name. */
function faults(d: Draft): Array<fc.Arbitrary<Fault>> {
  const set = (prop: string, value: (stack: Stack) => unknown, named = prop): fc.Arbitrary<Fault> =>
    fc.constant({ prop: named, apply: (p, stack) => ({ ...p, [prop]: value(stack) }) });
  const list: Array<fc.Arbitrary<Fault>> = [
    // Every row with a range: below its minimum, above its maximum, a fraction of its unit (issue 18).
    ...faultableRows(rows).map(({ path, kind }) => faultyValue(kind)!.chain((v) => set(path, () => v))),
    // The retention the dead-letter queues have, which would leave a message no time there.
    set('retentionPeriod', () => DEAD_LETTER_RETENTION),
    fc.integer({ min: 6, max: 12 }).chain((n) => set('filterPolicy',
      () => Object.fromEntries(Array.from({ length: n }, (_, i) => [`key${i}`, sns.SubscriptionFilter.existsFilter()])))),
    fc.integer({ min: 151, max: 400 }).chain((n) => set('filterPolicy',
      () => ({ kind: sns.SubscriptionFilter.stringFilter({ allowlist: Array.from({ length: n }, (_, i) => `v${i}`) }) }))),
  ];
  if (d.filter === 'attributes') {
    // Both kinds of filter policy at once.
    list.push(set('filterPolicyWithMessageBody', () => ({ kind: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.existsFilter()) })));
  }
  if (d.consumer === 'props') {
    list.push(fractionalDuration('seconds', 1, 900).map((v): Fault => ({
      prop: 'consumerProps.timeout', apply: (p) => ({ ...p, consumerProps: { ...p.consumerProps!, timeout: v } }),
    })));
    list.push(set('consumer', (stack) => lambda.Function.fromFunctionArn(stack, 'Both', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:other`)));
  } else {
    list.push(fc.constant<Fault>({ prop: 'consumerProps', apply: (p) => ({ ...p, consumerProps: functionProps() }) }));
  }
  list.push(fc.constant<Fault>({ prop: 'consumer', apply: (p) => ({ ...p, consumer: undefined, consumerProps: undefined }) }));
  if (d.topic !== 'new' && d.topic !== 'new-fifo') list.push(set('fifo', () => false));
  if (isFifo(d)) list.push(set('maxBatchingWindow', () => Duration.seconds(1)));
  // Above 10 without a batching window of at least 1 second (a token window may be one), or on a FIFO queue.
  const windowWidens = d.windowSeconds !== undefined && (d.windowSeconds >= 1 || d.tokens.includes('maxBatchingWindow'));
  if (isFifo(d) || !windowWidens) list.push(fc.integer({ min: 11, max: 10_000 }).chain((n) => set('batchSize', () => n)));
  // Below the consumer's timeout, when the construct can compare (no token window).
  const timeout = knownTimeout(d);
  const windowIsToken = d.windowSeconds !== undefined && d.tokens.includes('maxBatchingWindow');
  if (timeout !== undefined && timeout > 1 && !windowIsToken) {
    list.push(fc.integer({ min: 0, max: timeout - 1 }).chain((s) => set('visibilityTimeout', () => Duration.seconds(s))));
  }
  if (isImportedConsumer(d)) list.push(fc.constant<Fault>({ prop: 'visibilityTimeout', apply: (p) => ({ ...p, visibilityTimeout: undefined }) }));
  return list;
}

const cases: fc.Arbitrary<FuzzCase> = draft.chain((d) => fc.option(fc.oneof(...faults(d)), { nil: undefined, freq: 2 }).map((fault): FuzzCase => ({
  label: `${JSON.stringify(d)}${fault ? ` + bad ${fault.prop}` : ''}`,
  fault: fault?.prop,
  build: (stack) => {
    const props = toProps(d, stack);
    new DurableSubscriber(stack, 'Subscriber', fault ? fault.apply(props, stack) : props);
  },
})));

export const subject: RobustnessSubject = {
  name: 'DurableSubscriber',
  cases,
  configurations: {
    default: (stack) => new DurableSubscriber(stack, 'Subscriber', { consumerProps: functionProps() }),
    fullest: (stack) => new DurableSubscriber(stack, 'Subscriber', toProps({
      topic: 'new',
      consumer: 'props',
      timeout: 20,
      key: 'new',
      windowSeconds: 10,
      batchSize: 100,
      maxConcurrency: 50,
      maxReceiveCount: 10,
      retentionSeconds: 7 * 86_400,
      giveVisibility: false,
      filter: 'attributes',
      rawMessageDelivery: true,
      reportBatchItemFailures: false,
      alarmTopic: true,
      tokens: [],
    }, stack)),
  },
};
