import { Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { StreamProcessor, StreamSource } from '../../src';
import { limitGrantsToAwsServices } from '../../src/common/keys';

/**
 * The most common StreamProcessor: a new on-demand Kinesis stream of order events, consumed four
 * batches per shard at once by a function defined from props, with the default failure handling
 * (bisect, 3 retries, 1 h maximum record age, partial batch responses, on-failure queue) and its
 * alarms sent to an on-call topic.
 */
export class StreamProcessorExampleStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // Alarm notifications are encrypted; CloudWatch needs the key to publish to the topic.
    const key = new kms.Key(this, 'AlarmTopicKey', { enableKeyRotation: true });
    limitGrantsToAwsServices(key);
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    const onCall = new sns.Topic(this, 'OnCall', { masterKey: key, enforceSSL: true });

    new StreamProcessor(this, 'Orders', {
      source: StreamSource.newKinesisStream(),
      consumerProps: {
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline(`
// Process records in order; report the first failure so Lambda retries from it.
exports.handler = async (event) => {
  for (const record of event.Records) {
    try {
      const order = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
      console.log(JSON.stringify({ orderId: order.id, sequenceNumber: record.kinesis.sequenceNumber }));
    } catch (err) {
      return { batchItemFailures: [{ itemIdentifier: record.kinesis.sequenceNumber }] };
    }
  }
  return { batchItemFailures: [] };
};`),
      },
      parallelizationFactor: 4,
      alarmTopic: onCall,
    });
  }
}
