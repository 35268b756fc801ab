/* eslint-disable @stylistic/indent -- the blocks below are README.md's, verbatim and unindented */
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { StreamProcessor, StreamSource } from '../../src';

/** README, StreamProcessor: the minimal example. */
export function streamProcessorMinimal(this: Construct, producer: iam.IGrantable): void {
const processor = new StreamProcessor(this, 'Orders', {
  source: StreamSource.newKinesisStream(),
  consumerProps: {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset('dist/orders-consumer'),
  },
  parallelizationFactor: 4,
});
processor.stream!.grantWrite(producer);
}

/** README, StreamProcessor: a DynamoDB stream, an existing alias as consumer, a topic for failures. */
export function streamProcessorDynamoDb(
  this: Construct, table: dynamodb.ITable, alias: lambda.IFunction, failures: sns.ITopic, onCall: sns.ITopic,
): void {
new StreamProcessor(this, 'TableChanges', {
  source: StreamSource.dynamoDb(table), // the table must have a stream
  consumer: alias, // any IFunction: a function, a version, or an alias (e.g. a ProvisionedFunction's)
  parallelizationFactor: 10,
  batchSize: 500,
  onFailureTopic: failures,
  alarmTopic: onCall,
});
}
