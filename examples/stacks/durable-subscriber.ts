import { Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DurableSubscriber, ServiceDashboard } from '../../src';
import { limitGrantsToAwsServices } from '../../src/common/keys';

/**
 * The most common DurableSubscriber: an order service publishes to a new topic; a billing consumer
 * receives only `order` events through its own queue, with both dead-letter queues alarmed to an
 * on-call topic, a publisher role allowed to publish, an operator role allowed to redrive, and a
 * dashboard of the topic, the queue and both dead-letter queues.
 */
export class DurableSubscriberExampleStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // CloudWatch alarms may only publish to an encrypted topic whose key lets CloudWatch use it.
    const alarmKey = new kms.Key(this, 'AlarmKey', { enableKeyRotation: true });
    limitGrantsToAwsServices(alarmKey);
    alarmKey.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
    }));
    const alarmTopic = new sns.Topic(this, 'OnCall', { masterKey: alarmKey, enforceSSL: true });

    const billing = new DurableSubscriber(this, 'Billing', {
      consumerProps: {
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline([
          'exports.handler = async (event) => {',
          '  for (const record of event.Records) console.log(JSON.parse(record.body).Message);',
          '  return { batchItemFailures: [] };',
          '};',
        ].join('\n')),
      },
      filterPolicy: { kind: sns.SubscriptionFilter.stringFilter({ allowlist: ['order'] }) },
      alarmTopic,
    });

    const orderService = new iam.Role(this, 'OrderService', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    billing.grantPublish(orderService);
    Validations.of(orderService).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: 'The CDK grant for publishing to a KMS-encrypted topic: GenerateDataKey variants on the topic key only.',
    });
    billing.grantRedrive(new iam.Role(this, 'Operator', { assumedBy: new iam.AccountRootPrincipal() }));
    new ServiceDashboard(this, 'Dashboard', { sources: [billing] });
  }
}
