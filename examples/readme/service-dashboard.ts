import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DurableSubscriber, ProvisionedFunction, ServiceDashboard, StreamProcessor, StreamSource } from '../../src';

// The README's dashboard examples, compiled (at column 0, as the README shows them).
declare const stack: Stack;
declare const code: lambda.Code;

const api = new ProvisionedFunction(stack, 'Api', {
  runtime: lambda.Runtime.NODEJS_24_X,
  handler: 'index.handler',
  code,
  provisionedConcurrency: 5,
});
const orders = new DurableSubscriber(stack, 'Orders', { consumer: api.alias });
const events = new StreamProcessor(stack, 'Events', {
  source: StreamSource.newKinesisStream(),
  consumer: api.alias,
  maxRecordAge: Duration.hours(1),
});

const service = new ServiceDashboard(stack, 'Dashboard', {
  dashboardName: 'orders-service',
  sources: [api, orders, events],
});
// Your own widgets go on the same dashboard, with the same metric methods.
service.dashboard.addWidgets(new cloudwatch.GraphWidget({
  title: 'Checkout p99 (ms)',
  left: [api.metricDuration({ statistic: 'p99', period: Duration.minutes(1) })],
}));
