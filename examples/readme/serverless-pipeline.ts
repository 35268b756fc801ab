// README examples of ServerlessPipeline: type-checked (never run); each block of the README section
// appears verbatim below.
import { Duration, Stack, Stage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LatencyGate, PipelineSource, ProvisionedFunction, ServerlessPipeline } from '../../src';

/** The README's `OrdersStage`: a Stage whose stack holds the service's ProvisionedFunction. */
class OrdersStage extends Stage {
  public readonly service: ProvisionedFunction;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.service = new ProvisionedFunction(new Stack(this, 'Orders'), 'Api', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset('dist/orders'),
      provisionedConcurrency: 2,
    });
  }
}

declare const stack: Stack;
declare const connectionArn: string;
declare const accessLogsBucket: s3.IBucket;

const delivery = new ServerlessPipeline(stack, 'Delivery', {
  source: PipelineSource.connection('my-org/orders-service', 'main', connectionArn),
});
const beta = new OrdersStage(stack, 'Beta');
delivery.addStage(beta, {
  latencyGates: [LatencyGate.forAlias(beta.service.alias, { maxP99: Duration.millis(300) })],
});
delivery.addStage(new OrdersStage(stack, 'Prod'), { manualApproval: true });

const pipeline = new ServerlessPipeline(stack, 'CustomDelivery', {
  source: PipelineSource.connection('my-org/orders-service', 'release', connectionArn),
  testCommands: ['npm run lint', 'npm test'],
  synthCommands: ['npx cdk synth --strict'],
  buildLogRetention: logs.RetentionDays.SIX_MONTHS,
});
const prod = new OrdersStage(stack, 'CustomProd');
pipeline.addStage(prod, {
  manualApproval: true,
  latencyGates: [LatencyGate.forAlias(prod.service.alias, {
    requests: 500,
    maxColdStarts: 0, // concurrency defaults to the alias's provisioned concurrency (2)
    maxP99: Duration.millis(250),
  })],
});

const sourceBucket = new s3.Bucket(stack, 'SourceBucket', {
  versioned: true, // CodePipeline's S3 source reads the object's versions
  enforceSSL: true,
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  serverAccessLogsBucket: accessLogsBucket,
});
const fromS3 = new ServerlessPipeline(stack, 'S3Delivery', {
  source: PipelineSource.s3(sourceBucket, 'source/app.zip'),
});
fromS3.addStage(new OrdersStage(stack, 'S3Beta'));
