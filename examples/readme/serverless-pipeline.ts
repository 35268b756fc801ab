// README examples of ServerlessPipeline: type-checked (never run); each block of the README section
// appears verbatim below.
import { Duration, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { LatencyGate, PipelineSource, ServerlessPipeline } from '../../src';
import { OrdersStage } from '../stacks/serverless-pipeline';

declare const stack: Stack;
declare const connectionArn: string;

const delivery = new ServerlessPipeline(stack, 'Delivery', {
  source: PipelineSource.newCodeCommitRepository('orders-service'),
});
const beta = new OrdersStage(stack, 'Beta');
delivery.addStage(beta, {
  latencyGates: [LatencyGate.forAlias(beta.service.alias, { maxP99: Duration.millis(300) })],
});
delivery.addStage(new OrdersStage(stack, 'Prod'), { manualApproval: true });

const pipeline = new ServerlessPipeline(stack, 'HostedDelivery', {
  source: PipelineSource.connection('my-org/orders-service', 'main', connectionArn),
  testCommands: ['npm run lint', 'npm test'],
  synthCommands: ['npx cdk synth --strict'],
  buildLogRetention: logs.RetentionDays.SIX_MONTHS,
});
const prod = new OrdersStage(stack, 'HostedProd');
pipeline.addStage(prod, {
  manualApproval: true,
  latencyGates: [LatencyGate.forAlias(prod.service.alias, {
    concurrency: 2, // at most the alias's provisioned concurrency
    requests: 500,
    maxColdStarts: 0,
    maxP99: Duration.millis(250),
  })],
});
