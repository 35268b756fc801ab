import { DescribeStreamConsumerCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';

const kinesis = new KinesisClient({});

/** Between two DescribeStreamConsumer calls (the API allows 20 per second per stream). */
const POLL_INTERVAL_MS = 2_000;

/** Left of the invocation when the wait gives up, so that the failure is ours, not a Lambda timeout. */
const MARGIN_MS = 10_000;

/**
 * Errors worth another look within the deadline: IAM is eventually consistent, so the policy that
 * allows the call may not apply yet (AccessDeniedException); a consumer CloudFormation just created
 * may not be visible yet (ResourceNotFoundException, inferred); throttling (LimitExceededException).
 */
const RETRYABLE = new Set(['AccessDeniedException', 'ResourceNotFoundException', 'LimitExceededException']);

/** What the custom-resource Provider framework expects back from onEvent. */
export interface StreamConsumerActiveResponse {
  readonly PhysicalResourceId: string;
}

/**
 * onEvent handler of the StreamProcessor's Custom::KinesisStreamConsumerActive (custom_resources.Provider):
 * returns once the enhanced fan-out consumer is ACTIVE, so the event source mapping that depends on
 * it is created against a consumer that can be read. CloudFormation reports AWS::Kinesis::StreamConsumer
 * created while it is still CREATING (cloudformation-coverage-roadmap #2442), and "a consumer can't
 * read data while in the CREATING or DELETING states" (Kinesis API reference, Consumer).
 */
export async function handler(event: CloudFormationCustomResourceEvent, context: Context): Promise<StreamConsumerActiveResponse> {
  const consumerArn = String(event.ResourceProperties.ConsumerArn);
  if (event.RequestType === 'Delete') {
    // Nothing to undo: waiting created nothing.
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  await waitForActiveConsumer(kinesis, consumerArn, Date.now() + context.getRemainingTimeInMillis() - MARGIN_MS);
  // The ARN holds the consumer's creation timestamp: a replaced consumer is a new ARN, hence an
  // Update that waits again.
  return { PhysicalResourceId: consumerArn };
}

/**
 * Polls DescribeStreamConsumer until the consumer's status is ACTIVE. Fails at once when it is
 * DELETING (it will never become ACTIVE), and with the last status seen once `deadline` (epoch ms) is near.
 */
export async function waitForActiveConsumer(client: KinesisClient, consumerArn: string, deadline: number,
  pollIntervalMs = POLL_INTERVAL_MS): Promise<void> {
  let lastSeen: string;
  for (;;) {
    lastSeen = await consumerStatus(client, consumerArn);
    if (lastSeen === 'ACTIVE') return;
    if (lastSeen === 'DELETING') {
      throw new Error(`Stream consumer ${consumerArn} is DELETING: it will not become ACTIVE, so the event source mapping cannot read through it`);
    }
    if (Date.now() + pollIntervalMs > deadline) {
      throw new Error(`Stream consumer ${consumerArn} is not ACTIVE in time (last seen: ${lastSeen}); ` +
        'the event source mapping would not be able to read through it. Retry the deployment.');
    }
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
}

/** The consumer's status, or the name of a retryable error. */
async function consumerStatus(client: KinesisClient, consumerArn: string): Promise<string> {
  try {
    const { ConsumerDescription } = await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
    return ConsumerDescription?.ConsumerStatus ?? 'no ConsumerDescription';
  } catch (e) {
    const name = (e as Error).name;
    if (RETRYABLE.has(name)) return name;
    throw e;
  }
}
