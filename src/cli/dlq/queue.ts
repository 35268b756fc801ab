import {
  ChangeMessageVisibilityBatchCommand, DeleteMessageCommand, GetQueueAttributesCommand, GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand, Message, ReceiveMessageCommand, SQSClient,
} from '@aws-sdk/client-sqs';
import { UsageError } from '../options';

/** A queue named on the command line: its URL (what every SQS call takes) and ARN (what move tasks take). */
export interface QueueRef {
  readonly url: string;
  readonly arn: string;
}

const QUEUE_ARN = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):([0-9]{12}):([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$/;

/** Accepts a queue URL, a queue ARN or a queue name (in the current account and region). */
export async function resolveQueue(client: SQSClient, option: string, raw: string): Promise<QueueRef> {
  let url: string;
  if (/^https?:\/\//.test(raw)) {
    url = raw;
  } else {
    const arn = QUEUE_ARN.exec(raw);
    const name = arn ? arn[3] : raw;
    if (!/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(name)) {
      throw new UsageError(`${option} must be a queue URL, queue ARN or queue name, got ${JSON.stringify(raw)}`);
    }
    try {
      url = (await client.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: arn?.[2] }))).QueueUrl!;
    } catch (e) {
      throw new UsageError(`${option} ${raw}: no such queue (${(e as Error).message})`);
    }
  }
  const attributes = await queueAttributes(client, url, option);
  return { url, arn: attributes.QueueArn! };
}

export async function queueAttributes(client: SQSClient, url: string, option = 'queue'): Promise<Record<string, string>> {
  try {
    return (await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes ?? {};
  } catch (e) {
    throw new UsageError(`${option} ${url}: cannot read the queue (${(e as Error).name}: ${(e as Error).message})`);
  }
}

/** The queues whose redrive policy names this queue as their dead-letter queue. */
export async function sourceQueues(client: SQSClient, url: string): Promise<string[]> {
  const urls: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: url, NextToken: token, MaxResults: 1000 }));
    urls.push(...(page.queueUrls ?? []));
    token = page.NextToken;
  } while (token !== undefined);
  return urls;
}

/**
 * Receives up to `max` messages, hidden from other consumers for `visibilitySeconds`: a message that
 * this command fails to deliver, or that it is killed holding, reappears after that time.
 */
export async function receive(client: SQSClient, url: string, max: number, visibilitySeconds: number, waitSeconds: number): Promise<Message[]> {
  const page = await client.send(new ReceiveMessageCommand({
    QueueUrl: url,
    MaxNumberOfMessages: Math.min(10, max),
    VisibilityTimeout: visibilitySeconds,
    WaitTimeSeconds: waitSeconds,
    MessageAttributeNames: ['All'],
    MessageSystemAttributeNames: ['All'],
  }));
  return page.Messages ?? [];
}

export async function deleteMessage(client: SQSClient, url: string, message: Message): Promise<void> {
  await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
}

/** Makes messages visible again at once (a peek, a dry run, a stop before delivery), ten per call. */
export async function release(client: SQSClient, url: string, messages: readonly Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    await client.send(new ChangeMessageVisibilityBatchCommand({
      QueueUrl: url,
      Entries: messages.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })),
    }));
  }
}
