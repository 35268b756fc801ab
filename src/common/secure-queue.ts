import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeGuardRule } from './guard';
import { acknowledgeNagRule } from './nag';

/** Options shared by the queues the constructs create. */
export interface SecureQueueOptions {
  /** Customer-managed key; without one the queue uses SQS-managed encryption (SSE-SQS). */
  readonly encryptionKey?: kms.IKey;
  /** FIFO queue (the name gets the `.fifo` suffix CloudFormation requires). */
  readonly fifo?: boolean;
  readonly retentionPeriod?: Duration;
  readonly visibilityTimeout?: Duration;
  /** Where messages go after `maxReceiveCount` failed receives. */
  readonly deadLetterQueue?: sqs.DeadLetterQueue;
}

/** An encrypted queue that refuses non-TLS requests. */
export function createSecureQueue(scope: Construct, id: string, options: SecureQueueOptions = {}): sqs.Queue {
  return new sqs.Queue(scope, id, {
    enforceSSL: true,
    encryption: options.encryptionKey ? sqs.QueueEncryption.KMS : sqs.QueueEncryption.SQS_MANAGED,
    encryptionMasterKey: options.encryptionKey,
    dataKeyReuse: options.encryptionKey ? Duration.hours(1) : undefined,
    fifo: options.fifo || undefined,
    retentionPeriod: options.retentionPeriod,
    visibilityTimeout: options.visibilityTimeout,
    deadLetterQueue: options.deadLetterQueue,
  });
}

/**
 * A secure queue that is the end of a failure path: it keeps messages for the SQS maximum of
 * 14 days (longer than any source queue) and has no DLQ of its own, which cdk-nag and cfn-guard are told why.
 */
export function createDeadLetterQueue(
  scope: Construct,
  id: string,
  options: Omit<SecureQueueOptions, 'deadLetterQueue'> = {},
): sqs.Queue {
  const queue = createSecureQueue(scope, id, { retentionPeriod: Duration.days(14), ...options });
  const reason = 'This queue is itself the dead-letter destination; a DLQ of a DLQ would only move the problem. Its depth is alarmed instead.';
  acknowledgeNagRule(queue, 'AwsSolutions-SQS3', reason);
  acknowledgeNagRule(queue, 'Serverless-SQSRedrivePolicy', reason);
  acknowledgeGuardRule(queue, 'sqs_dlq_check', reason);
  return queue;
}
