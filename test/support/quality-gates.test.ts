import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { cfnLint, expectCleanStack, nagFindings } from './quality-gates';

// The gate must be able to fail: a plain queue breaks cdk-nag (no SSL enforcement, no DLQ) and a
// hand-written bad property breaks cfn-lint.
describe('quality gates', () => {
  test('cdk-nag reports an unencrypted-transport queue without a DLQ', () => {
    const stack = new Stack(new App(), 'Plain');
    new sqs.Queue(stack, 'Queue');
    const findings = nagFindings(stack);
    expect(findings).toEqual(expect.arrayContaining([
      expect.stringMatching(/^AwsSolutions-SQS3 @ Plain\/Queue\/Resource/),
      expect.stringMatching(/^AwsSolutions-SQS4 @ Plain\/Queue\/Resource/),
    ]));
  });

  test('cfn-lint reports an invalid property value', async () => {
    const matches = await cfnLint({
      Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 'soon' } } },
    });
    expect(matches.map((m) => m.rule)).toContain('E3012');
  });

  test('a queue with SSL enforced and a DLQ passes every gate', async () => {
    const stack = new Stack(new App(), 'Secure');
    const dlq = new sqs.Queue(stack, 'DeadLetterQueue', { enforceSSL: true, encryption: sqs.QueueEncryption.SQS_MANAGED });
    Validations.of(dlq).acknowledge({ id: 'Serverless-SQSRedrivePolicy', reason: 'the DLQ is the end of the failure path' });
    new sqs.Queue(stack, 'Queue', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      deadLetterQueue: { queue: dlq, maxReceiveCount: 3 },
    });
    await expectCleanStack(stack);
  });
});
