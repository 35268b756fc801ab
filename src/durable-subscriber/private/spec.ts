import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { validateFilterPolicy, validateFilterPolicyWithMessageBody } from './filter-policy';
import { SECURE_FUNCTION_DEFAULTS, validateFunctionDurations } from '../../common/secure-function';
import { Resolved, defineSpec } from '../../common/spec';
import { allResolved, validateIntegerRange, validateOrder } from '../../common/validation';
import type { DurableSubscriberProps } from '../durable-subscriber';

/** The retention of both dead-letter queues: the SQS maximum (see createDeadLetterQueue). */
export const DEAD_LETTER_RETENTION = Duration.days(14);

/** Whether the queues are FIFO: a given topic decides, else `fifo`. */
function isFifo(props: DurableSubscriberProps): boolean {
  return props.topic ? props.topic.fifo : props.fifo === true;
}

/** Lambda allows batches above 10 only with a batching window of at least 1 s (a token window may be one). */
function widensBatch(window: Duration | undefined): boolean {
  return window !== undefined && (window.isUnresolved() || window.toMilliseconds({ integral: false }) >= 1000);
}

/**
 * The timeout of the consumer, when it can be read at synth time: a function defined from
 * `consumerProps` (with the library's default timeout), or a function, version or alias defined
 * in this app. Undefined for an imported function.
 */
export function consumerTimeout(props: Pick<DurableSubscriberProps, 'consumer' | 'consumerProps'>): Duration | undefined {
  if (props.consumerProps) return props.consumerProps.timeout ?? SECURE_FUNCTION_DEFAULTS.timeout;
  return props.consumer && timeoutOf(props.consumer);
}

function timeoutOf(fn: lambda.IFunction): Duration | undefined {
  // Lambda's own default when the function sets none.
  if (fn instanceof lambda.Function) return fn.timeout ?? Duration.seconds(3);
  if (fn instanceof lambda.Alias) return timeoutOf(fn.version);
  if (fn instanceof lambda.Version) return timeoutOf(fn.lambda);
  return undefined;
}

/** How the consumer's timeout is named in an error. */
function consumerTimeoutName(props: DurableSubscriberProps): string {
  return props.consumerProps ? 'consumerProps.timeout' : "the consumer's timeout";
}

/**
 * Six times the consumer's timeout plus the batching window (Lambda's guidance for SQS), when both
 * are known at synth time. Computed with fractions kept: a fractional timeout or window is
 * refused by its own row, which is checked before `visibilityTimeout`'s.
 */
export function recommendedVisibilityTimeout(props: DurableSubscriberProps): Duration | undefined {
  const timeout = consumerTimeout(props);
  const window = props.maxBatchingWindow ?? Duration.seconds(0);
  if (!allResolved(timeout, window)) return undefined;
  return Duration.seconds((6 * timeout!.toMilliseconds({ integral: false }) + window.toMilliseconds({ integral: false })) / 1000);
}

/**
 * The props of a DurableSubscriber. Rows are checked in this order: those `visibilityTimeout`'s
 * default is computed from (the consumer's timeout, `maxBatchingWindow`) come before it, so a bad
 * one is named itself rather than through the default it led to.
 */
export const DURABLE_SUBSCRIBER_SPEC = defineSpec<DurableSubscriberProps>()({
  topic: {
    kind: { kind: 'other' },
    defaultDoc: '- a new topic, encrypted with its own customer-managed KMS key (rotation on), refusing non-TLS requests',
  },
  fifo: {
    kind: { kind: 'boolean' },
    // No default value: a given topic is FIFO or not by itself, and `false` would conflict with it.
    defaultDoc: 'false',
    conflicts: ['topic'],
  },
  rawMessageDelivery: {
    kind: { kind: 'boolean' },
    // Left to the subscription (whose default is false), so the template does not spell it out.
    defaultDoc: 'false - the body is the SNS envelope; the published message is its `Message` field',
  },
  filterPolicy: {
    kind: { kind: 'other' },
    defaultDoc: '- every message is delivered',
    conflicts: ['filterPolicyWithMessageBody'],
    validate: (policy, path) => validateFilterPolicy(path, policy),
  },
  filterPolicyWithMessageBody: {
    kind: { kind: 'other' },
    defaultDoc: '- every message is delivered',
    validate: (policy, path) => validateFilterPolicyWithMessageBody(path, policy),
  },
  queueEncryptionKey: {
    kind: { kind: 'other' },
    defaultDoc: '- SQS-managed encryption (SSE-SQS), which SNS can use without a key policy',
    readmeDefault: 'SSE-SQS',
  },
  maxReceiveCount: {
    kind: { kind: 'integer', min: 1, max: 1000 },
    default: 5,
    readmeDefault: '5 (1-1000; < 5 warned)',
  },
  retentionPeriod: {
    kind: { kind: 'duration', unit: 'seconds', min: Duration.minutes(1), max: DEAD_LETTER_RETENTION },
    // No default value: SQS's own default applies, so the template does not spell it out.
    defaultDoc: 'Duration.days(4) - the SQS default',
    readmeDefault: '4 days',
    // A message keeps its original enqueue time in the dead-letter queue: an equal retention would leave it no time there.
    validate: (period, path) => {
      if (!period.isUnresolved() && period.toMilliseconds({ integral: false }) >= DEAD_LETTER_RETENTION.toMilliseconds()) {
        throw new Error(`${path} must be shorter than the dead-letter queues' retention (${DEAD_LETTER_RETENTION.toHumanString()}), got ${period.toHumanString()}`);
      }
    },
  },
  consumer: {
    kind: { kind: 'other' },
    defaultDoc: '- a function defined from `consumerProps`',
  },
  consumerProps: {
    kind: { kind: 'other' },
    defaultDoc: '- `consumer` is used',
    validate: (fnProps, path) => validateFunctionDurations(fnProps, `${path}.`),
  },
  maxBatchingWindow: {
    kind: { kind: 'duration', unit: 'seconds', min: Duration.seconds(0), max: Duration.minutes(5) },
    defaultDoc: '- no batching window',
    readmeDefault: 'none (0-5 minutes, in whole seconds; not on FIFO queues)',
    validate: (window, path, props) => {
      if (isFifo(props)) throw new Error(`${path} is not supported on FIFO queues (the topic is FIFO), got ${window.toHumanString()}`);
    },
  },
  batchSize: {
    // The widest range Lambda allows; the validate hook narrows it to 1-10 where Lambda does.
    kind: { kind: 'integer', min: 1, max: 10_000 },
    default: 10,
    readmeDefault: '10 (1-10; up to 10,000 with a batching window of at least 1 s, not FIFO)',
    validate: (size, path, props) => {
      if (isFifo(props)) validateIntegerRange(`${path} (FIFO queue)`, size, 1, 10);
      else if (!widensBatch(props.maxBatchingWindow)) validateIntegerRange(`${path} (without a maxBatchingWindow of at least 1 second)`, size, 1, 10);
    },
  },
  maxConcurrency: {
    kind: { kind: 'integer', min: 2, max: 1000 },
    defaultDoc: "- no limit other than the function's and the account's concurrency",
    readmeDefault: 'none (2-1000)',
  },
  reportBatchItemFailures: {
    kind: { kind: 'boolean' },
    default: true,
    readmeDefault: 'true',
  },
  alarmTopic: {
    kind: { kind: 'other' },
    defaultDoc: '- the alarms have no actions',
  },
  visibilityTimeout: {
    kind: { kind: 'duration', unit: 'seconds', min: Duration.seconds(0), max: Duration.hours(12) },
    default: (props) => {
      const recommended = recommendedVisibilityTimeout(props);
      // Without any consumer there is nothing to time: resolveConsumer refuses that case.
      if (recommended === undefined && (props.consumer || props.consumerProps)) {
        throw new Error('visibilityTimeout must be given when the consumer\'s timeout or the batching window is not known at synth time (an imported function or a token): set it to at least 6 times the function timeout plus maxBatchingWindow');
      }
      return recommended;
    },
    defaultDoc: "- six times the consumer's timeout plus `maxBatchingWindow`",
    readmeDefault: '6 x consumer timeout + `maxBatchingWindow`',
    validate: (visibility, path, props) => validateOrder(consumerTimeoutName(props), consumerTimeout(props), path, visibility),
  },
});

/** The props of a DurableSubscriber, validated and defaulted. */
export type DurableSubscriberConfig = Resolved<DurableSubscriberProps, typeof DURABLE_SUBSCRIBER_SPEC.rows>;
