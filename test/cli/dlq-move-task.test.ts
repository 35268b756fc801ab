/**
 * `dlq replay` of a queue's DLQ without --to hands the move to SQS (StartMessageMoveTask), which
 * moto_server does not implement: here the SQS client is mocked, and every mocked answer is checked
 * against the SQS API model shipped in the `aws-sdk` v2 package (apis/sqs-2012-11-05.min.json), so the
 * stand-in answers what SQS answers.
 */
import {
  CancelMessageMoveTaskCommand, GetQueueAttributesCommand, ListDeadLetterSourceQueuesCommand, ListMessageMoveTasksCommand,
  SQSClient, StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { runCaptured } from './support/in-process';
import { apiModel, expectModelled, operationShape } from '../support/judges/aws-models';

const sqsModel = apiModel('sqs-2012-11-05');

/** `answer`, after checking it is what SQS answers to `operation` (throws otherwise). */
function modelled<T extends object>(operation: string, answer: T): T {
  expectModelled(sqsModel, operationShape(sqsModel, operation, 'output'), answer, `${operation} output`);
  return answer;
}

const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq';
const DLQ_ARN = 'arn:aws:sqs:us-east-1:123456789012:orders-dlq';
const SOURCE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders';
const sqs = mockClient(SQSClient);

beforeEach(() => {
  sqs.reset();
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'AKIDMOVETASK';
  process.env.AWS_SECRET_ACCESS_KEY = 'move-task-secret';
  sqs.on(GetQueueAttributesCommand).resolves(modelled('GetQueueAttributes', {
    Attributes: { QueueArn: DLQ_ARN, ApproximateNumberOfMessages: '3' },
  }));
  sqs.on(ListDeadLetterSourceQueuesCommand).resolves(modelled('ListDeadLetterSourceQueues', { queueUrls: [SOURCE_URL] }));
  sqs.on(StartMessageMoveTaskCommand).resolves(modelled('StartMessageMoveTask', { TaskHandle: 'eyJ0YXNrSWQiOiJkYTFhNjZkYiJ9' }));
});

const task = (status: string, moved: number, extra: object = {}) => modelled('ListMessageMoveTasks', {
  Results: [{
    TaskHandle: 'eyJ0YXNrSWQiOiJkYTFhNjZkYiJ9',
    Status: status,
    SourceArn: DLQ_ARN,
    ApproximateNumberOfMessagesMoved: moved,
    ApproximateNumberOfMessagesToMove: 3,
    StartedTimestamp: 1764700000000,
    ...extra,
  }],
});

test('a DLQ with source queues is moved back by SQS itself, at the --rate given, and the command waits for the task', async () => {
  sqs.on(ListMessageMoveTasksCommand).resolvesOnce(task('RUNNING', 1)).resolves(task('COMPLETED', 3));
  const { status, stdout } = await runCaptured(['dlq', 'replay', DLQ_URL, '--rate', '50', '--json']);
  expect(status).toBe(0);
  expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0].args[0].input).toEqual({ SourceArn: DLQ_ARN, MaxNumberOfMessagesPerSecond: 50 });
  expect(sqs.commandCalls(ListMessageMoveTasksCommand).length).toBe(2);
  expect(JSON.parse(stdout).moveTask).toEqual(expect.objectContaining({ status: 'COMPLETED', moved: 3 }));
}, 15_000);

test('a failed move task exits 1 with its reason', async () => {
  sqs.on(ListMessageMoveTasksCommand).resolves(task('FAILED', 0, { FailureReason: 'AWS.SimpleQueueService.NonExistentQueue' }));
  const { status, stdout } = await runCaptured(['dlq', 'replay', DLQ_URL]);
  expect(status).toBe(1);
  expect(stdout).toContain('SQS move task FAILED: 0 messages moved back to their source queues (AWS.SimpleQueueService.NonExistentQueue)');
});

test('Ctrl-C cancels the move task once and exits 130', async () => {
  sqs.on(ListMessageMoveTasksCommand).resolvesOnce(task('RUNNING', 1)).resolvesOnce(task('CANCELLING', 1)).resolves(task('CANCELLED', 1));
  sqs.on(CancelMessageMoveTaskCommand).resolves(modelled('CancelMessageMoveTask', { ApproximateNumberOfMessagesMoved: 1 }));
  const interrupt = new AbortController();
  interrupt.abort();
  expect((await runCaptured(['dlq', 'replay', DLQ_URL], { interrupt: interrupt.signal })).status).toBe(130);
  expect(sqs.commandCalls(CancelMessageMoveTaskCommand).length).toBe(1);
}, 15_000);

test('the stand-in answers are checked against the SQS API model', () => {
  expect(() => modelled('StartMessageMoveTask', { taskHandle: 'x' })).toThrow(/taskHandle: not a member/);
  expect(() => modelled('CancelMessageMoveTask', { ApproximateNumberOfMessagesMoved: '1' })).toThrow(/ApproximateNumberOfMessagesMoved: expected a number/);
});
