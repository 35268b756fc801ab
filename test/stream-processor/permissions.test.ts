import { App, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { StreamProcessor, StreamSource } from '../../src/stream-processor';
import { Call, simulate } from '../support/permissions';

/**
 * The calls StreamProcessor's event source mapping makes at run time with the function's execution
 * role, simulated against the policies the stack synthesizes (test/support/permissions.ts). They are
 * Lambda's (Lambda developer guide, "Using Lambda with Kinesis Data Streams", execution role
 * permissions: DescribeStream, DescribeStreamSummary, GetRecords, GetShardIterator, ListShards,
 * SubscribeToShard and DescribeStreamConsumer for a consumer; "Using Lambda with DynamoDB":
 * DescribeStream, GetRecords, GetShardIterator, ListStreams; on-failure destination: sqs:SendMessage).
 */
const consumerProps: lambda.FunctionProps = {
  runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
};

function build(source: (stack: Stack) => StreamSource) {
  const stack = new Stack(new App(), 'Stack');
  const processor = new StreamProcessor(stack, 'Processor', { source: source(stack), consumerProps });
  return { stack, processor, mapping: processor.lambdaFunction!.role! };
}

const allowed = (stack: Stack) => async (_name: string, call: Call) => expect(await simulate(stack, call)).toBe('Allowed');
const denied = (stack: Stack) => async (_name: string, call: Call) => expect(await simulate(stack, call)).toMatch(/Denied$/);

describe('StreamProcessor permissions, Kinesis', () => {
  const { stack, processor, mapping } = build(() => StreamSource.newKinesisStream());
  const another = new kinesis.Stream(stack, 'Another', { encryption: kinesis.StreamEncryption.MANAGED });
  const otherQueue = new sqs.Queue(stack, 'OtherQueue');
  const stream = processor.stream!.streamArn;

  test.each<[string, Call]>([
    ...['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards']
      .map((action): [string, Call] => [`the mapping's role: ${action} on the stream`, { who: mapping, action, resource: stream }]),
    ["the mapping's role: sqs:SendMessage on the on-failure queue", { who: mapping, action: 'sqs:SendMessage', resource: processor.onFailureQueue!.queueArn }],
  ])('allowed: %s', allowed(stack));

  test.each<[string, Call]>([
    ["the mapping's role: kinesis:GetRecords on another stream", { who: mapping, action: 'kinesis:GetRecords', resource: another.streamArn }],
    ["the mapping's role: kinesis:PutRecord on the stream", { who: mapping, action: 'kinesis:PutRecord', resource: stream }],
    ["the mapping's role: sqs:SendMessage on another queue", { who: mapping, action: 'sqs:SendMessage', resource: otherQueue.queueArn }],
    ["the mapping's role: sqs:ReceiveMessage on the on-failure queue", { who: mapping, action: 'sqs:ReceiveMessage', resource: processor.onFailureQueue!.queueArn }],
  ])('denied: %s', denied(stack));
});

describe('StreamProcessor permissions, Kinesis enhanced fan-out', () => {
  const { stack, processor, mapping } = build(() => StreamSource.newKinesisStream({ enhancedFanOut: true }));
  const another = new kinesis.Stream(stack, 'Another', { encryption: kinesis.StreamEncryption.MANAGED });
  const otherConsumer = new kinesis.StreamConsumer(stack, 'OtherConsumer', { stream: another, streamConsumerName: 'other' });
  const consumer = processor.streamConsumer!.streamConsumerArn;

  test.each<[string, Call]>([
    ["the mapping's role: kinesis:SubscribeToShard on the consumer", { who: mapping, action: 'kinesis:SubscribeToShard', resource: consumer }],
    ["the mapping's role: kinesis:DescribeStreamConsumer on the consumer", { who: mapping, action: 'kinesis:DescribeStreamConsumer', resource: consumer }],
  ])('allowed: %s', allowed(stack));

  test.each<[string, Call]>([
    ["the mapping's role: kinesis:SubscribeToShard on another stream's consumer", { who: mapping, action: 'kinesis:SubscribeToShard', resource: otherConsumer.streamConsumerArn }],
  ])('denied: %s', denied(stack));
});

describe('StreamProcessor permissions, DynamoDB', () => {
  const table = (stack: Stack, id: string) => new dynamodb.Table(stack, id, {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING }, stream: dynamodb.StreamViewType.NEW_IMAGE,
  });
  const { stack, processor, mapping } = build((s) => StreamSource.dynamoDb(table(s, 'Table')));
  const another = table(stack, 'Another');
  const stream = processor.table!.tableStreamArn!;

  test.each<[string, Call]>([
    ...['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator']
      .map((action): [string, Call] => [`the mapping's role: ${action} on the table's stream`, { who: mapping, action, resource: stream }]),
    ["the mapping's role: dynamodb:ListStreams", { who: mapping, action: 'dynamodb:ListStreams', resource: '*' }],
  ])('allowed: %s', allowed(stack));

  test.each<[string, Call]>([
    ["the mapping's role: dynamodb:GetRecords on another table's stream", { who: mapping, action: 'dynamodb:GetRecords', resource: another.tableStreamArn! }],
    ["the mapping's role: dynamodb:GetItem on the table", { who: mapping, action: 'dynamodb:GetItem', resource: processor.table!.tableArn }],
  ])('denied: %s', denied(stack));
});
