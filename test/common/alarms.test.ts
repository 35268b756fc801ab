import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { createAlarm } from '../../src/common/alarms';

describe('createAlarm', () => {
  test('puts the owning construct\'s path in front of the description, so two instances never page alike', () => {
    const stack = new Stack(undefined, 'Stack');
    for (const id of ['Orders', 'Payments']) {
      const owner = new Construct(stack, id);
      createAlarm(owner, 'DepthAlarm', {
        metric: new cloudwatch.Metric({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible' }),
        threshold: 1,
        description: 'Messages wait in the dead-letter queue',
      });
    }
    const descriptions = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'))
      .map((alarm: any) => alarm.Properties.AlarmDescription).sort();
    expect(descriptions).toEqual([
      'Stack/Orders: Messages wait in the dead-letter queue',
      'Stack/Payments: Messages wait in the dead-letter queue',
    ]);
  });
});
