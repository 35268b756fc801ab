import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { controlTowerFindings, libraryResourceIds } from './judges/control-tower';
import { cfnLint, expectCleanStack, nagFindings } from './quality-gates';
import { DurableSubscriber } from '../../src';
import { acknowledgeGuardRule } from '../../src/common/guard';

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

  describe('AWS Control Tower controls (cfn-guard)', () => {
    // A hand-made template that breaks CT.SQS.PR.1: a queue with no dead-letter queue.
    const queueWithoutDlq = (metadata?: object) => ({
      Resources: {
        Queue: { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true }, Metadata: metadata },
      },
    });

    test('report a queue without a dead-letter queue, by control, rule and logical id', () => {
      expect(controlTowerFindings(queueWithoutDlq())).toEqual([
        'CT.SQS.PR.1 sqs_dlq_check @ Queue: Require any Amazon SQS queue to have a dead-letter queue configured',
      ]);
    });

    test('read a template file as well as a template object', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guard-'));
      try {
        const file = path.join(dir, 'Bad.template.json');
        fs.writeFileSync(file, JSON.stringify(queueWithoutDlq()));
        expect(controlTowerFindings(file)).toEqual(controlTowerFindings(queueWithoutDlq()));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    test('accept a suppression on the resource only with a reason', () => {
      const suppressed = { SuppressedRules: ['sqs_dlq_check'] };
      expect(controlTowerFindings(queueWithoutDlq({ guard: suppressed }))).toEqual([
        expect.stringMatching(/^CT\.SQS\.PR\.1 sqs_dlq_check @ Queue: .*suppressed without a reason/),
      ]);
      expect(controlTowerFindings(queueWithoutDlq({ guard: { ...suppressed, Reasons: { sqs_dlq_check: 'the end of the failure path' } } }))).toEqual([]);
    });

    test('acknowledgeGuardRule writes the suppression and its reason into the template', () => {
      const stack = new Stack(new App(), 'Ack');
      const queue = new sqs.Queue(stack, 'Queue');
      acknowledgeGuardRule(queue, 'sqs_dlq_check', 'the end of the failure path');
      acknowledgeGuardRule(queue, 'sqs_queue_encrypted_check', 'a test of a second rule on one resource');
      const template = Template.fromStack(stack).toJSON();
      expect(Object.values<any>(template.Resources)[0].Metadata.guard).toEqual({
        SuppressedRules: ['sqs_dlq_check', 'sqs_queue_encrypted_check'],
        Reasons: { sqs_dlq_check: 'the end of the failure path', sqs_queue_encrypted_check: 'a test of a second rule on one resource' },
      });
      expect(controlTowerFindings(template)).toEqual([]);
    });

    test('the unit-test gate judges the resources of library constructs, not the fixtures around them', () => {
      const stack = new Stack(new App(), 'Owned');
      const fixture = new sqs.Queue(stack, 'FixtureQueue');
      const subscriber = new DurableSubscriber(stack, 'Sub', {
        consumerProps: { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') },
      });
      const ids = libraryResourceIds(stack);
      expect(ids).toContain(stack.resolve((subscriber.queue.node.defaultChild as sqs.CfnQueue).logicalId));
      expect(ids).not.toContain(stack.resolve((fixture.node.defaultChild as sqs.CfnQueue).logicalId));
      expect(controlTowerFindings(Template.fromStack(stack).toJSON(), ids)).toEqual([]);
    });
  });
});
