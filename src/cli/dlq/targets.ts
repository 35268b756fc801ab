import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { Message, MessageAttributeValue, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { UsageError } from '../options';
import { EventRecord, eventJson } from './stream-range';

/** Where a replayed message or stream batch goes. */
export type Target =
  | { readonly kind: 'queue'; readonly url: string }
  | { readonly kind: 'function'; readonly name: string };

/**
 * `--to`: a queue (URL, `arn:aws:sqs:...` or name, resolved by the caller) or a function
 * (`arn:aws:lambda:...`, or `function:<name>[:<qualifier>]`).
 */
export function parseTarget(raw: string): { queue?: string; functionName?: string } {
  if (/^https?:\/\//.test(raw) || /^arn:aws[a-z-]*:sqs:/.test(raw)) return { queue: raw };
  if (/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/.test(raw)) return { functionName: raw };
  const named = /^function:([A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?)$/.exec(raw);
  if (named) return { functionName: named[1] };
  // A bare name is a queue's: a function is always named with its ARN or the function: prefix.
  if (/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(raw)) return { queue: raw };
  throw new UsageError(`--to must be a queue URL, ARN or name, a function ARN, or function:<name>, got ${JSON.stringify(raw)}`);
}

export function describeTarget(target: Target): string {
  return target.kind === 'queue' ? `queue ${target.url}` : `function ${target.name}`;
}

/** Sends a DLQ message on with the same body and message attributes (and FIFO group and deduplication ids). */
export async function sendMessage(sqs: SQSClient, url: string, message: Message): Promise<void> {
  const system = message.Attributes ?? {};
  await sqs.send(new SendMessageCommand({
    QueueUrl: url,
    MessageBody: message.Body ?? '',
    MessageAttributes: copyAttributes(message.MessageAttributes),
    MessageGroupId: system.MessageGroupId,
    MessageDeduplicationId: system.MessageDeduplicationId,
  }));
}

/**
 * Delivers the records of a discarded batch: to a function as one event (what the mapping would have
 * sent; a function error or a partial-batch failure counts as not delivered), or to a queue as one
 * message per record, each the record as the function would have seen it.
 */
export async function deliverRecords(
  clients: { sqs: SQSClient; lambda: () => LambdaClient }, target: Target, records: readonly EventRecord[],
): Promise<void> {
  if (target.kind === 'queue') {
    for (const record of records) {
      await clients.sqs.send(new SendMessageCommand({ QueueUrl: target.url, MessageBody: eventJson(record) }));
    }
    return;
  }
  const answer = await clients.lambda().send(new InvokeCommand({
    FunctionName: target.name,
    InvocationType: 'RequestResponse',
    Payload: Buffer.from(eventJson({ Records: records })),
  }));
  const payload = answer.Payload ? Buffer.from(answer.Payload).toString('utf-8') : '';
  if (answer.FunctionError !== undefined) {
    throw new Error(`the function returned an error (${answer.FunctionError}): ${payload.slice(0, 500)}`);
  }
  // A function with ReportBatchItemFailures answers the records it could not process.
  const failures = parsePartialBatch(payload);
  if (failures > 0) {
    throw new Error(`the function reported ${failures} of ${records.length} records failed (batchItemFailures)`);
  }
}

function parsePartialBatch(payload: string): number {
  try {
    const value = JSON.parse(payload);
    return Array.isArray(value?.batchItemFailures) ? value.batchItemFailures.length : 0;
  } catch {
    return 0;
  }
}

function copyAttributes(attributes: Record<string, MessageAttributeValue> | undefined): Record<string, MessageAttributeValue> | undefined {
  if (attributes === undefined || Object.keys(attributes).length === 0) return undefined;
  return Object.fromEntries(Object.entries(attributes).map(([name, v]) => [name, {
    DataType: v.DataType,
    ...(v.StringValue !== undefined ? { StringValue: v.StringValue } : {}),
    ...(v.BinaryValue !== undefined ? { BinaryValue: v.BinaryValue } : {}),
  }]));
}
