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
 */
const app = new App();
const stack = new Stack(app, 'StreamProcessorKinesisInteg');

const processed = new dynamodb.Table(stack, 'Processed', {
  partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
  pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
  removalPolicy: RemovalPolicy.DESTROY,
});
acknowledgeTestTable(processed);
const consumerLogs = new logs.LogGroup(stack, 'ConsumerLogs', { retention: logs.RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY });
acknowledgeTestLogGroup(consumerLogs);

const processor = new StreamProcessor(stack, 'Processor', {
  source: StreamSource.newKinesisStream({ removalPolicy: RemovalPolicy.DESTROY }),
  consumerProps: {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    environment: { TABLE_NAME: processed.tableName },
    logGroup: consumerLogs,
    code: lambda.Code.fromInline(`
const { DynamoDBClient, PutItemCommand } = require('@aws-sdk/client-dynamodb');
const db = new DynamoDBClient({});
// Partial batch response: report the first failed record; Lambda retries from it, in order.
exports.handler = async (event) => {
  for (const record of event.Records) {
    const data = Buffer.from(record.kinesis.data, 'base64').toString('utf8');
    if (data.startsWith('poison')) {
      return { batchItemFailures: [{ itemIdentifier: record.kinesis.sequenceNumber }] };
    }
    await db.send(new PutItemCommand({ TableName: process.env.TABLE_NAME, Item: { pk: { S: data } } }));
  }
  return { batchItemFailures: [] };
};`),
  },
});
processed.grantWriteData(processor);

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

putGood.next(putPoison).next(goodProcessed).next(poisonInQueue);

enforceNag(stack);
