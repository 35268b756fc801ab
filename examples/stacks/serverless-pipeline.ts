import { CfnParameter, Duration, Stack, StackProps, Stage, StageProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AuroraIamFunctionExampleStack } from './aurora-iam-function';
import { DurableSubscriberExampleStack } from './durable-subscriber';
import { EmrPipelineExampleStack } from './emr-pipeline';
import { ProvisionedFunctionExampleStack } from './provisioned-function';
import { StreamProcessorExampleStack } from './stream-processor';
import { LatencyGate, PipelineSource, ServerlessPipeline } from '../../src';

/** One deployment (beta, prod...) of the other examples: every construct of the library. */
export class ExamplesStage extends Stage {
  public readonly api: ProvisionedFunctionExampleStack;

  constructor(scope: Construct, id: string, props?: StageProps) {
    super(scope, id, props);
    this.api = new ProvisionedFunctionExampleStack(this, 'Api');
    new StreamProcessorExampleStack(this, 'Streams');
    new DurableSubscriberExampleStack(this, 'Subscribers');
    new EmrPipelineExampleStack(this, 'Emr');
    new AuroraIamFunctionExampleStack(this, 'Database');
  }
}

/**
 * The most common delivery setup: a GitHub (or GitLab, Bitbucket) repository through a CodeStar
 * connection (CodeCommit is closed to new customers), tests before synthesis, a beta stage, then
 * prod behind a manual approval, each stage gated on its API's `live` alias staying warm and fast.
 * The connection's ARN is a parameter: create the connection and complete its handshake in the
 * console first (a new connection is PENDING until then).
 */
export class ServerlessPipelineExampleStack extends Stack {
  public readonly delivery: ServerlessPipeline;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const connectionArn = new CfnParameter(this, 'ConnectionArn', {
      description: 'ARN of an AVAILABLE CodeStar connection to the repository holding this app',
      allowedPattern: '^arn:[\\w-]+:(codestar-connections|codeconnections):.+$',
    }).valueAsString;
    this.delivery = new ServerlessPipeline(this, 'Delivery', {
      source: PipelineSource.connection('my-org/serverless-patterns-examples', 'main', connectionArn),
    });
    for (const [name, manualApproval] of [['Beta', false], ['Prod', true]] as const) {
      const stage = new ExamplesStage(this, name);
      this.delivery.addStage(stage, {
        manualApproval,
        // Concurrency defaults to the alias's provisioned concurrency floor (2): every request warm.
        latencyGates: [LatencyGate.forAlias(stage.api.api.alias, { requests: 200, maxP99: Duration.millis(300) })],
      });
    }
  }
}
