import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { StreamProcessor, StreamSource } from '../src';
import { enforceNag } from './support/gates';
import { acknowledgeTestLogGroup, acknowledgeTestTable } from './support/guard-fixtures';

/**
 * A StreamProcessor of a new Kinesis stream, with the construct's default failure handling.
 * The consumer records each good record in a table and reports a record whose data starts with
 * `poison` as a batch item failure; after the retries its failure context must reach the
 * on-failure queue.
 *
 * A second processor reads the same stream through an enhanced fan-out consumer (its mapping waits
 * until the consumer is ACTIVE) and records what it reads under the `fan-out#` prefix.
 */
const app = new App();
const stack = new Stack(app, 'StreamProcessorKinesisInteg');

const processed = new dynamodb.Table(stack, 'Processed', {
  partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
  pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
  removalPolicy: RemovalPolicy.DESTROY,
});
acknowledgeTestTable(processed);
/** A consumer's log group, kept one week and deleted with the test. */
const testLogGroup = (id: string) => {
  const logGroup = new logs.LogGroup(stack, id, { retention: logs.RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY });
  acknowledgeTestLogGroup(logGroup);
  return logGroup;
};

const consumerCode = lambda.Code.fromInline(`
const { DynamoDBClient, PutItemCommand } = require('@aws-sdk/client-dynamodb');
const db = new DynamoDBClient({});
const prefix = process.env.KEY_PREFIX ?? '';
// Partial batch response: report the first failed record; Lambda retries from it, in order.
exports.handler = async (event) => {
  for (const record of event.Records) {
    const data = Buffer.from(record.kinesis.data, 'base64').toString('utf8');
    if (data.startsWith('poison')) {
      return { batchItemFailures: [{ itemIdentifier: record.kinesis.sequenceNumber }] };
    }
    await db.send(new PutItemCommand({ TableName: process.env.TABLE_NAME, Item: { pk: { S: prefix + data } } }));
  }
  return { batchItemFailures: [] };
};`);

const processor = new StreamProcessor(stack, 'Processor', {
  source: StreamSource.newKinesisStream({ removalPolicy: RemovalPolicy.DESTROY }),
  consumerProps: {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    environment: { TABLE_NAME: processed.tableName },
    logGroup: testLogGroup('ConsumerLogs'),
    code: consumerCode,
  },
});
processed.grantWriteData(processor);

const fanOut = new StreamProcessor(stack, 'FanOutProcessor', {
  source: StreamSource.kinesis(processor.stream!, { enhancedFanOut: true }),
  consumerProps: {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    environment: { TABLE_NAME: processed.tableName, KEY_PREFIX: 'fan-out#' },
    logGroup: testLogGroup('FanOutConsumerLogs'),
    code: consumerCode,
  },
});
processed.grantWriteData(fanOut);

const integ = new IntegTest(app, 'StreamProcessorKinesisTest', { testCases: [stack] });
const streamName = processor.stream!.streamName;

const putGood = integ.assertions.awsApiCall('Kinesis', 'putRecord', { StreamName: streamName, PartitionKey: 'order-1', Data: 'good-1' });
const putPoison = integ.assertions.awsApiCall('Kinesis', 'putRecord', { StreamName: streamName, PartitionKey: 'order-2', Data: 'poison-1' });

const goodProcessed = integ.assertions.awsApiCall('DynamoDB', 'getItem', { TableName: processed.tableName, Key: { pk: { S: 'good-1' } } })
  .expect(ExpectedResult.objectLike({ Item: { pk: { S: 'good-1' } } }))
  .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(15) });

const poisonInQueue = integ.assertions.awsApiCall('SQS', 'receiveMessage', {
  QueueUrl: processor.onFailureQueue!.queueUrl,
  WaitTimeSeconds: 20,
  MaxNumberOfMessages: 10,
}).expect(ExpectedResult.objectLike({
  // The failure context names the poison record's sequence number (as the start or end of the
  // failed range): any other failure's context would not match.
  Messages: Match.arrayWith([Match.objectLike({
    Body: Match.stringLikeRegexp(`"KinesisBatchInfo"[\\s\\S]*"${putPoison.getAttString('SequenceNumber')}"`),
  })]),
})).waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(15) });

const goodReadThroughFanOut = integ.assertions.awsApiCall('DynamoDB', 'getItem', { TableName: processed.tableName, Key: { pk: { S: 'fan-out#good-1' } } })
  .expect(ExpectedResult.objectLike({ Item: { pk: { S: 'fan-out#good-1' } } }))
  .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(15) });

putGood.next(putPoison).next(goodProcessed).next(poisonInQueue).next(goodReadThroughFanOut);

enforceNag(stack);
