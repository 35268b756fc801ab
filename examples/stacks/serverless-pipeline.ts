import { Duration, Stack, StackProps, Stage, StageProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LatencyGate, PipelineSource, ServerlessPipeline } from '../../src';

/** The service the pipeline deploys: a function behind a `live` alias with provisioned concurrency. */
export class OrdersServiceStack extends Stack {
  public readonly alias: lambda.Alias;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const logGroup = new logs.LogGroup(this, 'HandlerLogs', { retention: logs.RetentionDays.ONE_YEAR });
    const role = new iam.Role(this, 'HandlerRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    const handler = new lambda.Function(this, 'Handler', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200, body: "ok" });'),
      memorySize: 512,
      timeout: Duration.seconds(10),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      role,
    });
    Validations.of(role.node.findChild('DefaultPolicy')).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments and PutTelemetryRecords (added by active tracing) do not support resource-level permissions.',
    });
    Validations.of(handler).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'Invoked synchronously (API calls and the latency probe): failures go back to the caller, nothing is queued.',
    });
    this.alias = new lambda.Alias(this, 'Live', {
      aliasName: 'live',
      version: handler.currentVersion,
      provisionedConcurrentExecutions: 2,
    });
  }
}

/** One deployment of the service (beta, prod...). */
export class OrdersStage extends Stage {
  public readonly service: OrdersServiceStack;

  constructor(scope: Construct, id: string, props?: StageProps) {
    super(scope, id, props);
    this.service = new OrdersServiceStack(this, 'Orders');
  }
}

/**
 * The most common delivery setup: a CodeCommit repository, tests before synthesis, a beta stage,
 * then prod behind a manual approval, each stage gated on its `live` alias staying warm and fast.
 */
export class ServerlessPipelineExampleStack extends Stack {
  public readonly delivery: ServerlessPipeline;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.delivery = new ServerlessPipeline(this, 'Delivery', {
      source: PipelineSource.newCodeCommitRepository('orders-service'),
    });
    const beta = new OrdersStage(this, 'Beta');
    this.delivery.addStage(beta, {
      latencyGates: [LatencyGate.forAlias(beta.service.alias, { concurrency: 2, requests: 200, maxP99: Duration.millis(300) })],
    });
    const prod = new OrdersStage(this, 'Prod');
    this.delivery.addStage(prod, {
      manualApproval: true,
      latencyGates: [LatencyGate.forAlias(prod.service.alias, { concurrency: 2, requests: 200, maxP99: Duration.millis(300) })],
    });
  }
}
