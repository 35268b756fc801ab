import {
  AccessDeniedException, DescribeStreamConsumerCommand, DescribeStreamConsumerCommandOutput, InvalidArgumentException,
  KinesisClient, ResourceNotFoundException,
} from '@aws-sdk/client-kinesis';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, waitForActiveConsumer } from '../../src/stream-processor/stream-consumer-active.lambda';

/**
 * The handler of Custom::KinesisStreamConsumerActive with Kinesis mocked. Every DescribeStreamConsumer
 * result has the shape of the Kinesis API model (node_modules/aws-sdk/apis/kinesis-2013-12-02.min.json:
 * ConsumerDescription with ConsumerName, ConsumerARN, ConsumerStatus, ConsumerCreationTimestamp and
 * StreamARN, all required); the status values CREATING | DELETING | ACTIVE, the ARN pattern
 * (`...:stream/<name>/consumer/<name>:<creation timestamp>`) and the errors (InvalidArgumentException,
 * LimitExceededException, ResourceNotFoundException) are the Kinesis API reference's, which the
 * minified model leaves out.
 */
const kinesis = mockClient(KinesisClient);
const STREAM_ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/orders';
const CONSUMER_ARN = `${STREAM_ARN}/consumer/SOrdersProcessorStreamConsumer1A2B3C4D:1764763200`;

function described(status: 'CREATING' | 'DELETING' | 'ACTIVE', consumerArn = CONSUMER_ARN): DescribeStreamConsumerCommandOutput {
  return {
    $metadata: { httpStatusCode: 200 },
    ConsumerDescription: {
      ConsumerName: 'SOrdersProcessorStreamConsumer1A2B3C4D',
      ConsumerARN: consumerArn,
      ConsumerStatus: status,
      ConsumerCreationTimestamp: new Date('2025-12-03T12:00:00Z'),
      StreamARN: STREAM_ARN,
    },
  };
}

const common = {
  ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
  ResponseURL: 'https://example.invalid/response',
  StackId: 'stack',
  RequestId: 'request',
  LogicalResourceId: 'ProcessorStreamConsumerActive',
  ResourceType: 'Custom::KinesisStreamConsumerActive',
};
const props = (consumerArn = CONSUMER_ARN) => ({ ServiceToken: common.ServiceToken, ConsumerArn: consumerArn });
/** Lambda's context: only getRemainingTimeInMillis is read. */
const context = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs }) as unknown as Context;
const describedArns = () => kinesis.commandCalls(DescribeStreamConsumerCommand).map((c) => c.args[0].input.ConsumerARN);

beforeEach(() => kinesis.reset());

describe('Create and Update wait for ACTIVE', () => {
  test('Create: an ACTIVE consumer returns at once, with the consumer ARN as the physical id', async () => {
    kinesis.on(DescribeStreamConsumerCommand).resolves(described('ACTIVE'));
    const event: CloudFormationCustomResourceEvent = { ...common, RequestType: 'Create', ResourceProperties: props() };
    await expect(handler(event, context(600_000))).resolves.toEqual({ PhysicalResourceId: CONSUMER_ARN });
    expect(describedArns()).toEqual([CONSUMER_ARN]);
  });

  test('Update to a replaced consumer (a new ARN) waits for the new one', async () => {
    const replaced = `${STREAM_ARN}/consumer/SOrdersProcessorStreamConsumer1A2B3C4D:1764849600`;
    kinesis.on(DescribeStreamConsumerCommand).resolves(described('ACTIVE', replaced));
    const event: CloudFormationCustomResourceEvent = {
      ...common, RequestType: 'Update', PhysicalResourceId: CONSUMER_ARN, ResourceProperties: props(replaced), OldResourceProperties: props(),
    };
    await expect(handler(event, context(600_000))).resolves.toEqual({ PhysicalResourceId: replaced });
    expect(describedArns()).toEqual([replaced]);
  });

  test('Delete calls nothing: waiting created nothing to remove', async () => {
    const event: CloudFormationCustomResourceEvent = { ...common, RequestType: 'Delete', PhysicalResourceId: CONSUMER_ARN, ResourceProperties: props() };
    await expect(handler(event, context(600_000))).resolves.toEqual({ PhysicalResourceId: CONSUMER_ARN });
    expect(describedArns()).toEqual([]);
  });

  test('the handler gives up before its invocation ends, naming the last status', async () => {
    kinesis.on(DescribeStreamConsumerCommand).resolves(described('CREATING'));
    const event: CloudFormationCustomResourceEvent = { ...common, RequestType: 'Create', ResourceProperties: props() };
    // 10 s left: less than the 10 s margin plus one poll interval, so one look and a clear failure.
    await expect(handler(event, context(10_000)))
      .rejects.toThrow(`Stream consumer ${CONSUMER_ARN} is not ACTIVE in time (last seen: CREATING)`);
    expect(describedArns()).toHaveLength(1);
  });
});

describe('waitForActiveConsumer', () => {
  const client = () => new KinesisClient({ region: 'us-east-1' });

  test('polls while CREATING, returns on ACTIVE', async () => {
    kinesis.on(DescribeStreamConsumerCommand)
      .resolvesOnce(described('CREATING')).resolvesOnce(described('CREATING')).resolves(described('ACTIVE'));
    await waitForActiveConsumer(client(), CONSUMER_ARN, Date.now() + 5_000, 1);
    expect(describedArns()).toEqual([CONSUMER_ARN, CONSUMER_ARN, CONSUMER_ARN]);
  });

  test('a DELETING consumer fails at once: it will never become ACTIVE', async () => {
    kinesis.on(DescribeStreamConsumerCommand).resolves(described('DELETING'));
    await expect(waitForActiveConsumer(client(), CONSUMER_ARN, Date.now() + 5_000, 1)).rejects.toThrow(/is DELETING: it will not become ACTIVE/);
    expect(describedArns()).toHaveLength(1);
  });

  test('bounded: still CREATING at the deadline is a failure naming the consumer and its status', async () => {
    kinesis.on(DescribeStreamConsumerCommand).resolves(described('CREATING'));
    await expect(waitForActiveConsumer(client(), CONSUMER_ARN, Date.now() + 50, 10))
      .rejects.toThrow(`Stream consumer ${CONSUMER_ARN} is not ACTIVE in time (last seen: CREATING)`);
    const calls = describedArns().length;
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(6);
  });

  test('a policy not yet in effect (IAM is eventually consistent) or a consumer not yet visible is looked at again', async () => {
    kinesis.on(DescribeStreamConsumerCommand)
      .rejectsOnce(new AccessDeniedException({ message: 'not authorized to perform: kinesis:DescribeStreamConsumer', $metadata: {} }))
      .rejectsOnce(new ResourceNotFoundException({ message: `Consumer ${CONSUMER_ARN} not found`, $metadata: {} }))
      .resolves(described('ACTIVE'));
    await waitForActiveConsumer(client(), CONSUMER_ARN, Date.now() + 5_000, 1);
    expect(describedArns()).toHaveLength(3);
  });

  test('a persistent AccessDenied ends at the deadline naming the error', async () => {
    kinesis.on(DescribeStreamConsumerCommand)
      .rejects(new AccessDeniedException({ message: 'not authorized to perform: kinesis:DescribeStreamConsumer', $metadata: {} }));
    await expect(waitForActiveConsumer(client(), CONSUMER_ARN, Date.now() + 30, 10)).rejects.toThrow(/last seen: AccessDeniedException/);
  });

  test('any other error fails at once', async () => {
    kinesis.on(DescribeStreamConsumerCommand).rejects(new InvalidArgumentException({ message: 'ConsumerARN is malformed', $metadata: {} }));
    await expect(waitForActiveConsumer(client(), CONSUMER_ARN, Date.now() + 5_000, 1)).rejects.toThrow('ConsumerARN is malformed');
    expect(describedArns()).toHaveLength(1);
  });
});
