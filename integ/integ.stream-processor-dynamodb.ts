import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { StreamProcessor, StreamSource } from '../src';
import { enforceNag } from './support/gates';
import { acknowledgeTestLogGroup, acknowledgeTestTable } from './support/guard-fixtures';

/**
 * A StreamProcessor of a DynamoDB table's stream, with the construct's default failure handling.
 * The consumer records each new item's key in a second table and reports an item whose key starts
 * with `poison` as a batch item failure; after the retries its failure context must reach the
 * on-failure queue.
 */
const app = new App();
const stack = new Stack(app, 'StreamProcessorDynamoDbInteg');

function table(id: string, stream?: dynamodb.StreamViewType): dynamodb.Table {
  const t = new dynamodb.Table(stack, id, {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    stream,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: RemovalPolicy.DESTROY,
  });
  acknowledgeTestTable(t);
  return t;
}
const consumerLogs = new logs.LogGroup(stack, 'ConsumerLogs', { retention: logs.RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY });
acknowledgeTestLogGroup(consumerLogs);
const orders = table('Orders', dynamodb.StreamViewType.NEW_IMAGE);
const processed = table('Processed');

const processor = new StreamProcessor(stack, 'Processor', {
  source: StreamSource.dynamoDb(orders),
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
    const pk = record.dynamodb.NewImage.pk.S;
    if (pk.startsWith('poison')) {
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb.SequenceNumber }] };
    }
    await db.send(new PutItemCommand({ TableName: process.env.TABLE_NAME, Item: { pk: { S: pk } } }));
  }
  return { batchItemFailures: [] };
};`),
  },
});
processed.grantWriteData(processor);

const integ = new IntegTest(app, 'StreamProcessorDynamoDbTest', { testCases: [stack] });

const putGood = integ.assertions.awsApiCall('DynamoDB', 'putItem', { TableName: orders.tableName, Item: { pk: { S: 'good-1' } } });
const putPoison = integ.assertions.awsApiCall('DynamoDB', 'putItem', { TableName: orders.tableName, Item: { pk: { S: 'poison-1' } } });

const goodProcessed = integ.assertions.awsApiCall('DynamoDB', 'getItem', { TableName: processed.tableName, Key: { pk: { S: 'good-1' } } })
  .expect(ExpectedResult.objectLike({ Item: { pk: { S: 'good-1' } } }))
  .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(15) });

const poisonInQueue = integ.assertions.awsApiCall('SQS', 'receiveMessage', {
  QueueUrl: processor.onFailureQueue!.queueUrl,
  WaitTimeSeconds: 20,
  MaxNumberOfMessages: 10,
}).expect(ExpectedResult.objectLike({
  Messages: Match.arrayWith([Match.objectLike({ Body: Match.stringLikeRegexp('DDBStreamBatchInfo') })]),
})).waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(15) });

putGood.next(putPoison).next(goodProcessed).next(poisonInQueue);

enforceNag(stack);
