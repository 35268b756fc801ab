import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import {
  CancelMessageMoveTaskCommand, ListMessageMoveTasksCommand, Message, PurgeQueueCommand, SQSClient, StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { SetupError } from '../invoker';
import { UsageError, parseInteger } from '../options';
import { StreamFailure, parseStreamFailure } from './failure-record';
import { deleteMessage, queueAttributes, receive, release, resolveQueue, sourceQueues } from './queue';
import { readStreamRange } from './stream-range';
import { Target, deliverRecords, describeTarget, parseTarget, sendMessage } from './targets';

export interface DlqStreams {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly interrupt?: AbortSignal;
}

/** Exit statuses, the probe's: 1 means some message was not delivered (it stays in the DLQ). */
const EXIT = { OK: 0, NOT_DELIVERED: 1, INTERRUPTED: 130 } as const;

interface CommonOptions {
  readonly region?: string;
  readonly profile?: string;
  readonly json?: boolean;
}

interface ReplayOptions extends CommonOptions {
  readonly to?: string;
  readonly dryRun?: boolean;
  readonly max?: string;
  readonly rate?: string;
  readonly visibilityTimeout?: string;
  readonly progress: boolean;
}

/** One message's fate in a replay, peek or dry run. */
interface MessageReport {
  readonly messageId: string;
  /** `stream-batch`: a Lambda on-failure record; its records are read back from the stream. */
  readonly kind: 'message' | 'stream-batch';
  readonly target?: string;
  readonly records?: number;
  readonly outcome: 'delivered' | 'would-deliver' | 'failed' | 'peeked';
  readonly error?: string;
  readonly body?: string;
  readonly batch?: StreamFailure['batch'];
}

const DEFAULT_VISIBILITY_S = 120;
const DEFAULT_PEEK = 10;

class Clients {
  readonly sqs: SQSClient;
  private cached: { lambda?: LambdaClient; kinesis?: KinesisClient; ddb?: DynamoDBStreamsClient } = {};
  constructor(private readonly options: CommonOptions) {
    this.sqs = new SQSClient({ region: options.region, profile: options.profile });
  }
  readonly lambda = () => (this.cached.lambda ??= new LambdaClient({ region: this.options.region, profile: this.options.profile }));
  // GetShardIterator and GetRecords are plain HTTP/1.1 calls; the Kinesis client's default HTTP/2
  // handler exists for SubscribeToShard, which this command does not use, and fails on HTTP/1.1-only
  // endpoints (proxies, local emulators).
  readonly kinesis = () => (this.cached.kinesis ??= new KinesisClient({
    region: this.options.region, profile: this.options.profile, requestHandler: new NodeHttpHandler(),
  }));
  readonly dynamodbStreams = () => (this.cached.ddb ??= new DynamoDBStreamsClient({ region: this.options.region, profile: this.options.profile }));
  async region(): Promise<string> {
    try {
      return await this.sqs.config.region();
    } catch {
      throw new SetupError('no AWS region: pass --region, set AWS_REGION, or set a region in your profile');
    }
  }
  destroy(): void {
    this.sqs.destroy();
    Object.values(this.cached).forEach((c) => c?.destroy());
  }
}

/** Adds `dlq list|peek|replay|purge` to the command line; `done` receives each command's exit status. */
export function addDlqCommands(
  program: Command, streams: DlqStreams, checkProfile: (profile?: string) => Promise<void>, done: (status: number) => void,
): void {
  const dlq = program.command('dlq')
    .description("Inspect and replay a dead-letter queue: a queue's DLQ, an SNS subscription's DLQ, or a stream "
      + "mapping's on-failure queue (whose records are read back from the stream). A message is deleted from the "
      + 'DLQ only after it was delivered.');
  const common = (c: Command) => c
    .argument('<dlq>', 'the dead-letter queue: URL, ARN or name')
    .option('--region <region>', 'AWS region (default: the SDK chain: AWS_REGION, then your profile)')
    .option('--profile <profile>', 'shared-config profile (default: AWS_PROFILE, then default)')
    .option('--json', 'print the result as JSON');
  const run = (action: (dlqArg: string, options: any, clients: Clients) => Promise<number>) => async (dlqArg: string, options: any) => {
    await checkProfile(options.profile);
    const clients = new Clients(options);
    try {
      await clients.region();
      done(await action(dlqArg, options, clients));
    } catch (e) {
      // An AWS answer that stops the whole command (access denied, an API the endpoint lacks) is a
      // setup problem the user fixes, reported as such (exit 2), never a stack trace.
      if ((e as { $metadata?: unknown }).$metadata !== undefined) {
        throw new SetupError(`${(e as Error).name}: ${(e as Error).message}`);
      }
      throw e;
    } finally {
      clients.destroy();
    }
  };

  common(dlq.command('list').description('How many messages the DLQ holds, and which queues send to it'))
    .action(run((arg, options, clients) => list(arg, options, clients, streams)));
  common(dlq.command('peek').description('Show messages without removing them (each is received, then made visible again)'))
    .option('-n, --max <n>', `messages to show (1-100; default: ${DEFAULT_PEEK})`)
    .action(run((arg, options, clients) => peek(arg, options, clients, streams)));
  common(dlq.command('replay').description('Deliver the messages again, then delete each one that was delivered. '
    + "Without --to: a queue's DLQ is moved back to its source queue(s) by SQS (StartMessageMoveTask); a stream "
    + 'batch goes to the function that failed it. Exits 1 when a message could not be delivered.'))
    .option('--to <target>', 'where to deliver: a queue URL, ARN or name, a function ARN, or function:<name>')
    .option('--dry-run', 'show what would be delivered where, and change nothing')
    .option('-n, --max <n>', 'replay at most this many DLQ messages (1-1000000; default: all)')
    .option('--rate <n>', 'at most this many DLQ messages per second (1-500; default: no limit)')
    .option('--visibility-timeout <seconds>', `how long a message being replayed stays hidden; one that was not delivered reappears after it (1-43200; default: ${DEFAULT_VISIBILITY_S})`)
    .option('--no-progress', 'do not show the progress bar (it only shows on a terminal anyway)')
    .action(run((arg, options, clients) => replay(arg, options, clients, streams)));
  common(dlq.command('purge').description('Delete every message in the DLQ (SQS PurgeQueue)'))
    .option('--yes', 'confirm: the messages are gone for good')
    .option('--dry-run', 'show how many messages would be deleted')
    .action(run((arg, options, clients) => purge(arg, options, clients, streams)));
}

async function list(arg: string, options: CommonOptions, clients: Clients, streams: DlqStreams): Promise<number> {
  const queue = await resolveQueue(clients.sqs, '<dlq>', arg);
  const attributes = await queueAttributes(clients.sqs, queue.url);
  const sources = await sourceQueues(clients.sqs, queue.url);
  const result = {
    queueUrl: queue.url,
    queueArn: queue.arn,
    messages: Number(attributes.ApproximateNumberOfMessages ?? 0),
    messagesInFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    messagesDelayed: Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0),
    sourceQueues: sources,
  };
  if (options.json) {
    streams.stdout.write(`${JSON.stringify(result, undefined, 2)}\n`);
  } else {
    streams.stdout.write(`${queue.url}\n  messages: ${result.messages} (in flight ${result.messagesInFlight}, delayed ${result.messagesDelayed})\n`
      + `  source queues: ${sources.length > 0 ? sources.join(', ') : 'none (an SNS subscription DLQ, a Lambda on-failure queue, or unused)'}\n`);
  }
  return EXIT.OK;
}

async function peek(arg: string, options: CommonOptions & { max?: string }, clients: Clients, streams: DlqStreams): Promise<number> {
  const max = parseInteger('--max', options.max ?? String(DEFAULT_PEEK), 1, 100);
  const queue = await resolveQueue(clients.sqs, '<dlq>', arg);
  const held: Message[] = [];
  try {
    // Received messages stay hidden until released below, so each one is shown once.
    while (held.length < max) {
      const page = await receive(clients.sqs, queue.url, max - held.length, 60, held.length === 0 ? 1 : 0);
      if (page.length === 0) break;
      held.push(...page);
    }
  } finally {
    await release(clients.sqs, queue.url, held);
  }
  const reports: MessageReport[] = held.map((m) => {
    const failure = parseStreamFailure(m.Body ?? '');
    return { messageId: m.MessageId!, kind: failure ? 'stream-batch' : 'message', outcome: 'peeked', body: m.Body, batch: failure?.batch };
  });
  write(streams, options, { queueUrl: queue.url, messages: reports }, reports.map((r) => `${r.messageId} ${r.kind === 'stream-batch'
    ? `stream batch: ${r.batch!.batchSize} records of ${r.batch!.streamArn} ${r.batch!.shardId} from ${r.batch!.startSequenceNumber} to ${r.batch!.endSequenceNumber}`
    : r.body}`));
  return EXIT.OK;
}

type PurgeOptions = CommonOptions & { yes?: boolean; dryRun?: boolean };

async function purge(arg: string, options: PurgeOptions, clients: Clients, streams: DlqStreams): Promise<number> {
  const queue = await resolveQueue(clients.sqs, '<dlq>', arg);
  const count = Number((await queueAttributes(clients.sqs, queue.url)).ApproximateNumberOfMessages ?? 0);
  if (options.dryRun) {
    write(streams, options, { queueUrl: queue.url, dryRun: true, messages: count }, [`would delete about ${count} messages from ${queue.url}`]);
    return EXIT.OK;
  }
  if (!options.yes) {
    throw new UsageError(`purge deletes about ${count} messages from ${queue.url} for good: add --yes (or --dry-run)`);
  }
  await clients.sqs.send(new PurgeQueueCommand({ QueueUrl: queue.url }));
  write(streams, options, { queueUrl: queue.url, purged: count }, [`purged about ${count} messages from ${queue.url} (SQS may take up to 60 s to finish)`]);
  return EXIT.OK;
}

async function replay(arg: string, options: ReplayOptions, clients: Clients, streams: DlqStreams): Promise<number> {
  const max = options.max === undefined ? undefined : parseInteger('--max', options.max, 1, 1_000_000);
  const rate = options.rate === undefined ? undefined : parseInteger('--rate', options.rate, 1, 500);
  const visibility = parseInteger('--visibility-timeout', options.visibilityTimeout ?? String(DEFAULT_VISIBILITY_S), 1, 43_200);
  const queue = await resolveQueue(clients.sqs, '<dlq>', arg);
  const region = await clients.region();

  let explicit: Target | undefined;
  if (options.to !== undefined) {
    const to = parseTarget(options.to);
    explicit = to.queue !== undefined
      ? { kind: 'queue', url: (await resolveQueue(clients.sqs, '--to', to.queue)).url }
      : { kind: 'function', name: to.functionName! };
  }
  const sources = await sourceQueues(clients.sqs, queue.url);
  if (explicit === undefined && sources.length > 0 && max === undefined && !options.dryRun) {
    return moveTask(queue.arn, rate, clients, streams, options);
  }

  const total = max ?? Number((await queueAttributes(clients.sqs, queue.url)).ApproximateNumberOfMessages ?? 0);
  const bar = options.progress && streams.stderr.isTTY && total > 0
    ? new SingleBar({ stream: streams.stderr, format: 'replaying [{bar}] {value}/{total} | {delivered} delivered, {failed} failed', hideCursor: true, clearOnComplete: true })
    : undefined;
  bar?.start(total, 0, { delivered: 0, failed: 0 });

  const reports: MessageReport[] = [];
  const seen = new Set<string>();
  const dryRunHeld: Message[] = [];
  const pace = pacer(rate);
  let interrupted = false;
  try {
    while (max === undefined || reports.length < max) {
      const page = await receive(clients.sqs, queue.url, max === undefined ? 10 : max - reports.length, visibility, 1);
      const fresh = page.filter((m) => !seen.has(m.MessageId!));
      // A message seen before in this run reappeared (its visibility timeout passed): it is not taken twice.
      await release(clients.sqs, queue.url, page.filter((m) => seen.has(m.MessageId!)));
      if (fresh.length === 0) break;
      for (let i = 0; i < fresh.length; i++) {
        const message = fresh[i];
        if (streams.interrupt?.aborted) {
          interrupted = true;
          await release(clients.sqs, queue.url, fresh.slice(i));
          break;
        }
        seen.add(message.MessageId!);
        await pace();
        const report = await replayOne(message, { explicit, sources, dryRun: options.dryRun ?? false, clients, queueUrl: queue.url, region });
        reports.push(report);
        if (options.dryRun) dryRunHeld.push(message);
        bar?.update(reports.length, {
          delivered: reports.filter((r) => r.outcome === 'delivered').length,
          failed: reports.filter((r) => r.outcome === 'failed').length,
        });
      }
      if (interrupted) break;
    }
  } finally {
    bar?.stop();
    // A dry run hid what it read only to read each message once: give them all back.
    await release(clients.sqs, queue.url, dryRunHeld);
  }

  const delivered = reports.filter((r) => r.outcome === 'delivered').length;
  const failed = reports.filter((r) => r.outcome === 'failed').length;
  const summary = options.dryRun
    ? `dry run: ${reports.length} messages would be replayed; nothing was sent or deleted`
    : `${delivered} delivered and deleted, ${failed} not delivered (they reappear in the DLQ after ${visibility} s)${interrupted ? '; interrupted' : ''}`;
  write(streams, options, { queueUrl: queue.url, dryRun: options.dryRun ?? false, interrupted, delivered, failed, messages: reports },
    [...reports.map((r) => `${r.messageId} ${r.outcome}${r.target ? ` -> ${r.target}` : ''}${r.records !== undefined ? ` (${r.records} records)` : ''}${r.error ? `: ${r.error}` : ''}`), summary]);
  if (interrupted) return EXIT.INTERRUPTED;
  return failed > 0 ? EXIT.NOT_DELIVERED : EXIT.OK;
}

interface ReplayContext {
  readonly explicit?: Target;
  readonly sources: readonly string[];
  readonly dryRun: boolean;
  readonly clients: Clients;
  readonly queueUrl: string;
  readonly region: string;
}

/** Delivers one DLQ message, then deletes it: never the other way round, so a kill loses nothing. */
async function replayOne(message: Message, ctx: ReplayContext): Promise<MessageReport> {
  const failure = parseStreamFailure(message.Body ?? '');
  const base = { messageId: message.MessageId!, kind: failure ? 'stream-batch' as const : 'message' as const };
  let target = ctx.explicit;
  if (target === undefined) {
    if (failure?.functionArn !== undefined) {
      target = { kind: 'function', name: failure.functionArn };
    } else if (!failure && ctx.sources.length === 1) {
      target = { kind: 'queue', url: ctx.sources[0] };
    } else {
      return { ...base, outcome: 'failed', error: 'no destination: give --to (the DLQ has no single source queue, and the message names no function)' };
    }
  }
  const targetName = describeTarget(target);
  try {
    if (failure) {
      const records = await readStreamRange(failure, ctx.clients, ctx.region);
      if (ctx.dryRun) return { ...base, target: targetName, records: records.length, outcome: 'would-deliver' };
      await deliverRecords({ sqs: ctx.clients.sqs, lambda: ctx.clients.lambda }, target, records);
      await deleteMessage(ctx.clients.sqs, ctx.queueUrl, message);
      return { ...base, target: targetName, records: records.length, outcome: 'delivered' };
    }
    if (target.kind === 'function') {
      return { ...base, target: targetName, outcome: 'failed', error: 'only stream batches can be re-delivered to a function: give a queue as --to' };
    }
    if (ctx.dryRun) return { ...base, target: targetName, outcome: 'would-deliver' };
    await sendMessage(ctx.clients.sqs, target.url, message);
    await deleteMessage(ctx.clients.sqs, ctx.queueUrl, message);
    return { ...base, target: targetName, outcome: 'delivered' };
  } catch (e) {
    return { ...base, target: targetName, outcome: 'failed', error: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

/**
 * SQS's own redrive (StartMessageMoveTask), for a DLQ of other SQS queues: each message goes back to
 * the queue it came from, and SQS, not this command, deletes it after the move.
 */
async function moveTask(sourceArn: string, rate: number | undefined, clients: Clients, streams: DlqStreams, options: CommonOptions): Promise<number> {
  const { TaskHandle } = await clients.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn, MaxNumberOfMessagesPerSecond: rate }));
  let task;
  let cancelled = false;
  for (;;) {
    // The newest task of the source is listed first (ListMessageMoveTasks: "up to ten, most recent first").
    const { Results } = await clients.sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }));
    task = Results?.[0];
    if (task?.Status !== 'RUNNING' && task?.Status !== 'CANCELLING') break;
    if (streams.interrupt?.aborted && !cancelled) {
      cancelled = true;
      await clients.sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle }));
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  const moved = task?.ApproximateNumberOfMessagesMoved ?? 0;
  write(streams, options, { sourceArn, moveTask: { taskHandle: TaskHandle, status: task?.Status, moved, failureReason: task?.FailureReason } },
    [`SQS move task ${task?.Status ?? 'UNKNOWN'}: ${moved} messages moved back to their source queues${task?.FailureReason ? ` (${task.FailureReason})` : ''}`]);
  if (task?.Status === 'CANCELLED') return EXIT.INTERRUPTED;
  return task?.Status === 'COMPLETED' ? EXIT.OK : EXIT.NOT_DELIVERED;
}

/** Spaces calls at most `rate` per second. */
function pacer(rate: number | undefined): () => Promise<void> {
  let next = 0;
  return async () => {
    if (rate === undefined) return;
    const now = Date.now();
    const wait = next - now;
    next = Math.max(now, next) + 1000 / rate;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  };
}

function write(streams: DlqStreams, options: CommonOptions, json: object, lines: string[]): void {
  streams.stdout.write(options.json ? `${JSON.stringify(json, undefined, 2)}\n` : `${lines.join('\n')}\n`);
}
