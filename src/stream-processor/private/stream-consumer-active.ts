import * as path from 'path';
import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { createCustomResourceProvider } from '../../common/custom-resource';
import { createSecureFunction } from '../../common/secure-function';

/** The one waiter of a stack, shared by its processors: its handler and the Provider in front of it. */
class StreamConsumerWaiter extends Construct {
  public static of(scope: Construct): StreamConsumerWaiter {
    const stack = Stack.of(scope);
    const id = 'CdkServerlessPatternsStreamConsumerWaiter';
    return (stack.node.tryFindChild(id) as StreamConsumerWaiter | undefined) ?? new StreamConsumerWaiter(stack, id);
  }

  public readonly handlerFunction: lambda.Function;
  public readonly provider: cr.Provider;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.handlerFunction = createSecureFunction(this, 'Handler', {
      description: 'Waits until a Kinesis enhanced fan-out consumer is ACTIVE (StreamProcessor)',
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      // Bundled at our build time by projen from stream-consumer-active.lambda.ts.
      code: lambda.Code.fromAsset(path.join(__dirname, '..', '..', '..', 'assets', 'stream-processor', 'stream-consumer-active.lambda')),
      // The handler gives up 10 s before this, with the consumer's last status.
      timeout: Duration.minutes(10),
    });
    this.provider = createCustomResourceProvider(this, 'Provider', this.handlerFunction);
  }
}

/**
 * A custom resource that completes once `streamConsumer` is ACTIVE: make the event source mapping
 * depend on it. Its handler may describe this consumer only, by a policy of the processor's own,
 * which the resource waits for.
 */
export function streamConsumerActive(scope: Construct, streamConsumer: kinesis.IStreamConsumer): CustomResource {
  const waiter = StreamConsumerWaiter.of(scope);
  const policy = new iam.Policy(scope, 'StreamConsumerWaitPolicy', {
    roles: [waiter.handlerFunction.role!],
    statements: [new iam.PolicyStatement({ actions: ['kinesis:DescribeStreamConsumer'], resources: [streamConsumer.streamConsumerArn] })],
  });
  const active = new CustomResource(scope, 'StreamConsumerActive', {
    serviceToken: waiter.provider.serviceToken,
    resourceType: 'Custom::KinesisStreamConsumerActive',
    properties: { ConsumerArn: streamConsumer.streamConsumerArn },
  });
  active.node.addDependency(policy);
  return active;
}
