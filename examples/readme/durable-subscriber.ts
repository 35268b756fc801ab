import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DurableSubscriber } from '../../src';

// The README's DurableSubscriber examples, compiled (at column 0, as the README shows them).
declare const stack: Stack;
declare const publisher: iam.IRole;
declare const operator: iam.IRole;
declare const liveAlias: lambda.Alias;
declare const key: kms.IKey;
declare const onCall: sns.ITopic;

const orders = new DurableSubscriber(stack, 'Orders', {
  consumerProps: {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset('dist/orders-consumer'),
  },
});
orders.grantPublish(publisher);

new DurableSubscriber(stack, 'Refunds', {
  topic: orders.topic, // a second subscriber on the same topic (fan-out)
  consumer: liveAlias, // any function, version or alias, e.g. a ProvisionedFunction's
  filterPolicy: { kind: sns.SubscriptionFilter.stringFilter({ allowlist: ['refund'] }) },
  rawMessageDelivery: true,
  queueEncryptionKey: key, // its key policy gets SNS access for this topic only
  batchSize: 100,
  maxBatchingWindow: Duration.seconds(5),
  maxConcurrency: 20,
  alarmTopic: onCall,
});

orders.grantRedrive(operator); // StartMessageMoveTask from the DLQ back to the queue
orders.metricApproximateAgeOfOldestMessage(); // consumer lag, for a dashboard
