/**
 * End to end: `cdk-serverless-patterns dlq ...`, the bundled command run as a child process against
 * moto_server (SQS, Kinesis, DynamoDB Streams with their real semantics on loopback) and, for
 * re-delivery to a function, a loopback server speaking Lambda's Invoke REST API.
 *
 * Where the DLQ messages come from: a queue DLQ and a subscription DLQ hold the messages as they were
 * (SQS moves the message itself; SNS writes what it failed to deliver, its notification JSON for an
 * SQS endpoint without raw delivery). A stream mapping's on-failure queue holds Lambda's invocation
 * record, whose shape (`requestContext`, `responseContext`, `KinesisBatchInfo` / `DDBStreamBatchInfo`)
 * is copied from the Lambda developer guide ("Capturing discarded batches ..."); the sequence numbers in
 * it are the real ones of records written to the moto stream.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import {
  CreateQueueCommand, GetQueueAttributesCommand, Message, ReceiveMessageCommand, SendMessageCommand, SQSClient,
} from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ensureBundle, run } from './support/bin';
import { Moto, startMoto } from './support/moto';

// The SDK's notice that its 2027 releases need Node 22 (the test's own clients; the command silences it).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ACCOUNT = '123456789012'; // moto's default account
let moto: Moto;
let sqs: SQSClient;
let kinesis: KinesisClient;
let lambda: { endpoint: string; invocations: { functionName: string; payload: any }[]; failing: Set<string>; server: Server };
let counter = 0;

const credentials = { accessKeyId: 'AKIDDLQE2E', secretAccessKey: 'dlq-e2e-secret' };

beforeAll(async () => {
  ensureBundle();
  moto = await startMoto();
  sqs = new SQSClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials });
  kinesis = new KinesisClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials, requestHandler: new NodeHttpHandler() });
  lambda = await startInvokeServer();
}, 60_000);

afterAll(async () => {
  sqs?.destroy();
  kinesis?.destroy();
  await new Promise((r) => lambda?.server.close(r));
  await moto?.stop();
});

const dlq = (args: string[], whileRunning?: Parameters<typeof run>[1]) => run(['dlq', ...args], whileRunning, {
  AWS_ENDPOINT_URL: moto.endpoint,
  AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
});

/**
 * Lambda's Invoke (POST /2015-03-31/functions/{FunctionName}/invocations, Lambda API reference): the
 * payload back with 200, and `X-Amz-Function-Error: Unhandled` when the function failed.
 */
async function startInvokeServer(): Promise<typeof lambda> {
  const invocations: { functionName: string; payload: any }[] = [];
  const failing = new Set<string>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: 'not found' }));
        return;
      }
      const functionName = decodeURIComponent(match[1]);
      invocations.push({ functionName, payload: JSON.parse(body) });
      const failed = [...failing].some((f) => functionName.endsWith(f));
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'X-Amz-Executed-Version': '$LATEST',
        ...(failed ? { 'X-Amz-Function-Error': 'Unhandled' } : {}),
      }).end(failed ? JSON.stringify({ errorType: 'Error', errorMessage: 'still broken' }) : 'null');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, invocations, failing, server };
}

async function queue(name: string, attributes: Record<string, string> = {}): Promise<{ url: string; arn: string }> {
  const unique = `${name}-${++counter}`;
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique, Attributes: attributes }));
  return { url: QueueUrl!, arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:${unique}` };
}

/** Every message now visible in a queue, read once each (then hidden for a minute). */
async function drain(url: string): Promise<Message[]> {
  const all: Message[] = [];
  for (let empty = 0; empty < 2;) {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({
      QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 60, MessageAttributeNames: ['All'],
    }));
    if (!Messages?.length) empty++;
    all.push(...(Messages ?? []));
  }
  return all;
}

async function depth(url: string): Promise<number> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(Attributes!.ApproximateNumberOfMessages);
}

async function send(url: string, body: string, attributes?: Record<string, string>): Promise<void> {
  await sqs.send(new SendMessageCommand({
    QueueUrl: url,
    MessageBody: body,
    MessageAttributes: attributes && Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }])),
  }));
}

/** A source queue whose redrive policy names a new DLQ, like DurableSubscriber's queue and its DLQ. */
async function queueWithDlq(): Promise<{ source: { url: string; arn: string }; dead: { url: string; arn: string } }> {
  const dead = await queue('orders-dlq');
  const source = await queue('orders', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dead.arn, maxReceiveCount: 1 }) });
  return { source, dead };
}

/** Lambda's on-failure record for a discarded Kinesis or DynamoDB batch (Lambda developer guide). */
function onFailureRecord(kind: 'KinesisBatchInfo' | 'DDBStreamBatchInfo', info: { shardId: string; start: string; end: string; size: number; streamArn: string }, functionName = 'orders-consumer') {
  const now = new Date().toISOString();
  return JSON.stringify({
    requestContext: {
      requestId: 'c9b8fa9f-5a7f-4bd8-af9c-0c604cde93a5',
      functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${functionName}`,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 4,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: now,
    [kind]: {
      shardId: info.shardId,
      startSequenceNumber: info.start,
      endSequenceNumber: info.end,
      approximateArrivalOfFirstRecord: now,
      approximateArrivalOfLastRecord: now,
      batchSize: info.size,
      streamArn: info.streamArn,
    },
  });
}

/** A Kinesis stream with `n` records; returns their sequence numbers and the shard. */
async function kinesisStream(n: number): Promise<{ arn: string; shardId: string; sequences: string[] }> {
  const name = `orders-stream-${++counter}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  const arn = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!.StreamARN!;
  const sequences: string[] = [];
  let shardId = '';
  for (let i = 0; i < n; i++) {
    const put = await kinesis.send(new PutRecordCommand({ StreamARN: arn, PartitionKey: `order-${i}`, Data: Buffer.from(JSON.stringify({ order: i })) }));
    sequences.push(put.SequenceNumber!);
    shardId = put.ShardId!;
  }
  return { arn, shardId, sequences };
}

describe('a queue DLQ', () => {
  test('list names its depth and its source queue', async () => {
    const { source, dead } = await queueWithDlq();
    await send(dead.url, 'order 1');
    await send(dead.url, 'order 2');
    const result = await dlq(['list', dead.url, '--json']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(expect.objectContaining({
      queueUrl: dead.url, queueArn: dead.arn, messages: 2, sourceQueues: [source.url],
    }));
  });

  test('peek shows the messages and leaves every one in the DLQ', async () => {
    const { dead } = await queueWithDlq();
    for (let i = 0; i < 3; i++) await send(dead.url, `order ${i}`);
    const result = await dlq(['peek', dead.url, '--json']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).messages.map((m: any) => m.body).sort()).toEqual(['order 0', 'order 1', 'order 2']);
    expect(await depth(dead.url)).toBe(3);
  });

  test('replay --to the source queue re-sends each body with its attributes, then deletes it from the DLQ', async () => {
    const { source, dead } = await queueWithDlq();
    for (let i = 0; i < 12; i++) await send(dead.url, `order ${i}`, { tenant: `t${i % 3}` });
    const result = await dlq(['replay', dead.url, '--to', source.url, '--json']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(expect.objectContaining({ delivered: 12, failed: 0 }));
    const moved = await drain(source.url);
    expect(moved.map((m) => `${m.Body}/${m.MessageAttributes?.tenant?.StringValue}`).sort())
      .toEqual([...Array(12).keys()].map((i) => `order ${i}/t${i % 3}`).sort());
    expect(await depth(dead.url)).toBe(0);
  });

  test('--max replays only that many, to the single source queue when --to is not given', async () => {
    const { source, dead } = await queueWithDlq();
    for (let i = 0; i < 5; i++) await send(dead.url, `order ${i}`);
    const result = await dlq(['replay', dead.url, '--max', '2']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('2 delivered and deleted, 0 not delivered');
    expect((await drain(source.url)).length).toBe(2);
    expect(await depth(dead.url)).toBe(3);
  });

  test('--dry-run says where each message would go and changes nothing', async () => {
    const { source, dead } = await queueWithDlq();
    for (let i = 0; i < 4; i++) await send(dead.url, `order ${i}`);
    const result = await dlq(['replay', dead.url, '--to', source.url, '--dry-run', '--json']);
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.messages.map((m: any) => m.outcome)).toEqual(['would-deliver', 'would-deliver', 'would-deliver', 'would-deliver']);
    expect(report.messages[0].target).toBe(`queue ${source.url}`);
    expect(await depth(dead.url)).toBe(4);
    expect(await depth(source.url)).toBe(0);
  });

  test('--rate spaces the deliveries', async () => {
    const { source, dead } = await queueWithDlq();
    for (let i = 0; i < 6; i++) await send(dead.url, `order ${i}`);
    const started = Date.now();
    const result = await dlq(['replay', dead.url, '--to', source.url, '--rate', '4']);
    expect(result.status).toBe(0);
    // 6 messages at 4 per second: the sixth leaves no earlier than 1.25 s after the first.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1250);
  });

  test('killed in the middle of a replay, no message is lost: each is in the target, or back in the DLQ', async () => {
    const { source, dead } = await queueWithDlq();
    const bodies = [...Array(40).keys()].map((i) => `order ${i}`);
    for (const b of bodies) await send(dead.url, b);
    const result = await dlq(['replay', dead.url, '--to', source.url, '--rate', '10', '--visibility-timeout', '2'], (child) => {
      const poll = setInterval(async () => {
        if (await depth(source.url) >= 5) {
          clearInterval(poll);
          child.kill('SIGKILL');
        }
      }, 100);
      child.on('close', () => clearInterval(poll));
    });
    expect(result.signal).toBe('SIGKILL');
    await new Promise((r) => setTimeout(r, 2500)); // the messages it held reappear in the DLQ
    const delivered = (await drain(source.url)).map((m) => m.Body!);
    const left = (await drain(dead.url)).map((m) => m.Body!);
    expect(delivered.length).toBeGreaterThanOrEqual(5);
    expect(delivered.length).toBeLessThan(40);
    // At least once: a message sent but not yet deleted when the kill came is in both places.
    expect(new Set([...delivered, ...left])).toEqual(new Set(bodies));
  });
});

describe('a subscription DLQ', () => {
  // What SNS writes to a subscription's DLQ for an SQS endpoint without raw delivery: the notification
  // it failed to deliver, as JSON (Amazon SNS developer guide, "Amazon SNS dead-letter queues").
  const notification = (id: number) => JSON.stringify({
    Type: 'Notification',
    MessageId: `8a5e0d6c-7a8e-4d38-9c2a-${String(id).padStart(12, '0')}`,
    TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:orders`,
    Message: JSON.stringify({ order: id }),
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
  });

  test('has no source queue: replay without --to delivers nothing and exits 1; with --to the queue gets the same body and attributes', async () => {
    const dead = await queue('subscription-dlq');
    const target = await queue('orders-queue');
    const body = notification(1);
    await send(dead.url, body, { eventType: 'order-placed' });

    const refused = await dlq(['replay', dead.url, '--visibility-timeout', '1', '--json']);
    expect(refused.status).toBe(1);
    expect(JSON.parse(refused.stdout).messages[0]).toEqual(expect.objectContaining({ outcome: 'failed', error: expect.stringContaining('give --to') }));

    await new Promise((r) => setTimeout(r, 1500)); // the refused message reappears
    const result = await dlq(['replay', dead.url, '--to', target.url]);
    expect(result.status).toBe(0);
    const [moved] = await drain(target.url);
    expect(moved.Body).toBe(body);
    expect(moved.MessageAttributes?.eventType?.StringValue).toBe('order-placed');
  }, 30_000);
});

describe('a stream on-failure queue', () => {
  test('a Kinesis batch is read back from the stream by its sequence range and sent to a queue, one record per message', async () => {
    const stream = await kinesisStream(6);
    const dead = await queue('stream-on-failure');
    const target = await queue('replayed-records');
    await send(dead.url, onFailureRecord('KinesisBatchInfo', {
      shardId: stream.shardId, start: stream.sequences[1], end: stream.sequences[3], size: 3, streamArn: stream.arn,
    }));
    const result = await dlq(['replay', dead.url, '--to', target.url, '--json']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).messages[0]).toEqual(expect.objectContaining({ kind: 'stream-batch', records: 3, outcome: 'delivered' }));
    const records = (await drain(target.url)).map((m) => JSON.parse(m.Body!));
    expect(records.map((r) => r.kinesis.sequenceNumber).sort()).toEqual(stream.sequences.slice(1, 4).sort());
    expect(records.map((r) => JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString()).order).sort()).toEqual([1, 2, 3]);
    expect(records[0]).toEqual(expect.objectContaining({ eventSource: 'aws:kinesis', eventName: 'aws:kinesis:record', eventSourceARN: stream.arn }));
    expect(await depth(dead.url)).toBe(0);
  });

  test('without --to, a batch goes back to the function that failed it as one Kinesis event; a function error keeps it in the DLQ', async () => {
    const stream = await kinesisStream(3);
    const dead = await queue('stream-on-failure');
    await send(dead.url, onFailureRecord('KinesisBatchInfo', {
      shardId: stream.shardId, start: stream.sequences[0], end: stream.sequences[2], size: 3, streamArn: stream.arn,
    }, 'fixed-consumer'));
    const result = await dlq(['replay', dead.url]);
    expect(result.status).toBe(0);
    const invoke = lambda.invocations.find((i) => i.functionName.endsWith(':function:fixed-consumer'))!;
    expect(invoke.payload.Records.map((r: any) => r.kinesis.sequenceNumber)).toEqual(stream.sequences);
    expect(await depth(dead.url)).toBe(0);

    lambda.failing.add('broken-consumer');
    await send(dead.url, onFailureRecord('KinesisBatchInfo', {
      shardId: stream.shardId, start: stream.sequences[0], end: stream.sequences[0], size: 1, streamArn: stream.arn,
    }, 'broken-consumer'));
    const failed = await dlq(['replay', dead.url, '--visibility-timeout', '1', '--json']);
    expect(failed.status).toBe(1);
    expect(JSON.parse(failed.stdout).messages[0].error).toContain('still broken');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await depth(dead.url)).toBe(1);
  });

  test('a DynamoDB batch is read back from the table stream and delivered as DynamoDB event records', async () => {
    const ddb = new DynamoDBClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials });
    const streams = new DynamoDBStreamsClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials });
    try {
      const table = `orders-${++counter}`;
      const created = await ddb.send(new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      }));
      for (const id of ['a', 'b', 'c']) await ddb.send(new PutItemCommand({ TableName: table, Item: { id: { S: id } } }));
      const streamArn = created.TableDescription!.LatestStreamArn!;
      const shardId = (await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription!.Shards![0].ShardId!;
      const iterator = (await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      const sequences = (await streams.send(new GetRecordsCommand({ ShardIterator: iterator }))).Records!.map((r) => r.dynamodb!.SequenceNumber!);
      expect(sequences).toHaveLength(3);

      const dead = await queue('table-on-failure');
      const target = await queue('replayed-changes');
      await send(dead.url, onFailureRecord('DDBStreamBatchInfo', { shardId, start: sequences[1], end: sequences[2], size: 2, streamArn }));
      const result = await dlq(['replay', dead.url, '--to', target.url]);
      expect(result.status).toBe(0);
      const records = (await drain(target.url)).map((m) => JSON.parse(m.Body!));
      expect(records.map((r) => r.dynamodb.Keys.id.S).sort()).toEqual(['b', 'c']);
      expect(records[0]).toEqual(expect.objectContaining({ eventName: 'INSERT', eventSourceARN: streamArn }));
      expect(typeof records[0].dynamodb.ApproximateCreationDateTime).toBe('number');
    } finally {
      ddb.destroy();
      streams.destroy();
    }
  });
});

describe('usage', () => {
  test('purge needs --yes, says how many messages it would delete, and then deletes them', async () => {
    const dead = await queue('purge-me');
    await send(dead.url, 'x');
    const refused = await dlq(['purge', dead.url]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('add --yes (or --dry-run)');
    expect(await depth(dead.url)).toBe(1);
    const purged = await dlq(['purge', dead.url, '--yes']);
    expect(purged.status).toBe(0);
    expect(await depth(dead.url)).toBe(0);
  });

  test('a queue that does not exist and a bad --to are usage errors naming the value (exit 2)', async () => {
    const missing = await dlq(['list', 'no-such-queue']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('<dlq> no-such-queue: no such queue');
    const dead = await queue('bad-to');
    const badTo = await dlq(['replay', dead.url, '--to', 's3://bucket']);
    expect(badTo.status).toBe(2);
    expect(badTo.stderr).toContain('--to must be a queue URL, ARN or name, a function ARN, or function:<name>, got "s3://bucket"');
    expect(badTo.stderr).toContain('(run "cdk-serverless-patterns dlq replay --help" for usage)');
  });
});
