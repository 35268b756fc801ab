import { App, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  AuroraIamFunction, DurableSubscriber, EmrPipeline, IDashboardSource, ProvisionedFunction, ServiceDashboard,
  StreamProcessor, StreamSource,
} from '../../src';
import { dashboardBody, graph, graphMetrics } from '../support/dashboard';
import { expectCleanStack } from '../support/quality-gates';

const code = lambda.Code.fromInline('exports.handler = async () => {};');
const functionProps = { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code };

function newStack(): Stack {
  return new Stack(new App(), 'S');
}

function dashboardOf(stack: Stack, ...sources: IDashboardSource[]) {
  new ServiceDashboard(stack, 'Dashboard', { sources });
  return dashboardBody(stack);
}

const annotations = (widget: any) => widget.properties.annotations?.horizontal ?? [];
const titles = (body: { widgets: any[] }) => body.widgets.map((w) => w.properties.title ?? w.properties.markdown);

describe('ServiceDashboard', () => {
  test('composes several constructs into one dashboard, each under a title naming its path', async () => {
    const stack = newStack();
    const api = new ProvisionedFunction(stack, 'Api', { ...functionProps, provisionedConcurrency: 2 });
    const processor = new StreamProcessor(stack, 'Processor', { source: StreamSource.newKinesisStream(), consumer: api.alias });
    const subscriber = new DurableSubscriber(stack, 'Orders', { consumerProps: functionProps });
    const body = dashboardOf(stack, api, processor, subscriber);
    expect(titles(body).filter((t) => t.startsWith('###'))).toEqual([
      '### ProvisionedFunction `S/Api`', '### StreamProcessor `S/Processor`', '### DurableSubscriber `S/Orders`',
    ]);
    // Each construct starts a row of its own, under the previous one's graphs.
    const rows = body.widgets.filter((w) => w.type === 'text').map((w) => w.y);
    expect(rows).toEqual([...rows].sort((a, b) => a - b));
    expect(new Set(rows).size).toBe(3);
    await expectCleanStack(stack);
  });

  test('addSource adds below; the name is the one given', () => {
    const stack = newStack();
    const dashboard = new ServiceDashboard(stack, 'Dashboard', { dashboardName: 'orders-service', start: '-PT6H' });
    dashboard.addSource(new DurableSubscriber(stack, 'Orders', { consumerProps: functionProps }));
    const body = dashboardBody(stack);
    expect(body.widgets[0].properties.markdown).toBe('### DurableSubscriber `S/Orders`');
    expect((body as any).start).toBe('-PT6H');
    expect(stack.resolve((dashboard.dashboard.node.defaultChild as cloudwatch.CfnDashboard).dashboardName)).toBe('orders-service');
  });

  test('dashboardName: 1-255 letters, digits, "-" or "_"; a token passes', () => {
    expect(() => new ServiceDashboard(newStack(), 'Dashboard', { dashboardName: 'orders service' }))
      .toThrow(/^dashboardName must be 1-255 letters, digits, "-" or "_", got 'orders service'$/);
    expect(() => new ServiceDashboard(newStack(), 'Dashboard', { dashboardName: 'x'.repeat(256) })).toThrow(/dashboardName must be 1-255/);
    expect(() => new ServiceDashboard(newStack(), 'Dashboard', { dashboardName: 'x'.repeat(255) })).not.toThrow();
    const stack = newStack();
    new ServiceDashboard(stack, 'Dashboard', { dashboardName: Lazy.string({ produce: () => 'from-a-token' }) });
    expect(Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardName).toBe('from-a-token');
  });
});

describe('dashboard widgets', () => {
  test('ProvisionedFunction: utilization, environments in use against the provisioned concurrency, spillover, with the alarms\' thresholds', () => {
    const stack = newStack();
    const api = new ProvisionedFunction(stack, 'Api', { ...functionProps, provisionedConcurrency: 3 });
    const body = dashboardOf(stack, api);
    const dims = { FunctionName: '${Ref:ApiFunction6BF808ED}', Resource: '${Ref:ApiFunction6BF808ED}:live' };

    const utilization = graph(body, 'Provisioned concurrency utilization');
    expect(graphMetrics(utilization)).toEqual([
      { namespace: 'AWS/Lambda', name: 'ProvisionedConcurrencyUtilization', dimensions: dims, stat: 'Average', period: 60, label: 'Average', yAxis: 'left' },
      { namespace: 'AWS/Lambda', name: 'ProvisionedConcurrencyUtilization', dimensions: dims, stat: 'Maximum', period: 60, label: 'Maximum', yAxis: 'left' },
    ]);
    expect(annotations(utilization)).toEqual([
      { label: 'ProvisionedConcurrencyUtilization > 0.9 for 5 datapoints within 5 minutes', value: 0.9, yAxis: 'left' },
    ]);

    const spillover = graph(body, 'Provisioned environments in use and spillover');
    expect(graphMetrics(spillover).map((m) => [m.name, m.stat, m.yAxis])).toEqual([
      ['ProvisionedConcurrentExecutions', 'Maximum', 'left'],
      ['ProvisionedConcurrencySpilloverInvocations', 'Sum', 'right'],
    ]);
    expect(annotations(spillover)).toEqual([
      { label: 'Provisioned concurrency (floor)', value: 3, yAxis: 'left' },
      { label: 'ProvisionedConcurrencySpilloverInvocations > 0 for 1 datapoints within 1 minute', value: 0, yAxis: 'right' },
    ]);

    const errors = graph(body, 'Invocations, errors and throttles');
    expect(graphMetrics(errors).map((m) => m.name)).toEqual(['Invocations', 'Errors', 'Throttles']);
    expect(annotations(errors)).toEqual([]); // no deployment, no new-version alarm
  });

  test('ProvisionedFunction with a deployment draws the new-version errors alarm, and the floor is autoScaling.minCapacity', () => {
    const stack = newStack();
    const api = new ProvisionedFunction(stack, 'Api', {
      ...functionProps,
      provisionedConcurrency: 6,
      autoScaling: { minCapacity: 4, maxCapacity: 10 },
      deployment: { deploymentConfig: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES },
    });
    const body = dashboardOf(stack, api);
    expect(annotations(graph(body, 'Provisioned environments in use and spillover'))[0]).toEqual({ label: 'Provisioned concurrency (floor)', value: 4, yAxis: 'left' });
    const errors = graph(body, 'Invocations, errors and throttles');
    expect(graphMetrics(errors).map((m) => [m.name, m.label, m.period, Object.keys(m.dimensions).sort()])).toEqual([
      ['Invocations', undefined, 300, ['FunctionName', 'Resource']],
      ['Errors', undefined, 300, ['FunctionName', 'Resource']],
      ['Throttles', undefined, 300, ['FunctionName', 'Resource']],
      ['Errors', 'Errors of the current version', 60, ['ExecutedVersion', 'FunctionName', 'Resource']],
    ]);
    expect(annotations(errors)).toEqual([
      { label: 'Errors > 0 for 1 datapoints within 1 minute', value: 0, yAxis: 'left' },
    ]);
  });

  test('StreamProcessor: iterator age against the alarm threshold and maxRecordAge; the on-failure queue\'s depth', () => {
    const stack = newStack();
    const processor = new StreamProcessor(stack, 'Processor', {
      source: StreamSource.newKinesisStream(), consumerProps: functionProps, maxRecordAge: Duration.hours(2),
    });
    const body = dashboardOf(stack, processor);
    const age = graph(body, 'Iterator age (ms)');
    expect(graphMetrics(age)).toEqual([{
      namespace: 'AWS/Lambda',
      name: 'IteratorAge',
      dimensions: { FunctionName: expect.stringMatching(/^\$\{Ref:ProcessorFunction[0-9A-F]{8}\}$/) },
      stat: 'Maximum',
      period: 300,
      label: 'IteratorAge (maximum)',
      yAxis: 'left',
    }]);
    expect(annotations(age)).toEqual([
      { label: 'IteratorAge >= 3600000 for 1 datapoints within 5 minutes', value: 3_600_000, yAxis: 'left' },
      { label: 'maxRecordAge (2 hours): discarded beyond', value: 7_200_000, yAxis: 'left' },
    ]);
    expect(graphMetrics(graph(body, 'Errors and undelivered failure contexts')).map((m) => m.name)).toEqual(['Errors', 'DestinationDeliveryFailures']);
    const depth = graph(body, 'On-failure queue depth');
    expect(graphMetrics(depth)).toEqual([{
      namespace: 'AWS/SQS',
      name: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: expect.stringMatching(/^\$\{GetAtt:ProcessorOnFailureQueue[0-9A-F]{8}\.QueueName\}$/) },
      stat: 'Maximum',
      period: 300,
      label: 'ApproximateNumberOfMessagesVisible',
      yAxis: 'left',
    }]);
    expect(annotations(depth).map((a: any) => a.value)).toEqual([1]);
  });

  test('StreamProcessor with a topic destination has no queue graph', () => {
    const stack = newStack();
    const processor = new StreamProcessor(stack, 'Processor', {
      source: StreamSource.newKinesisStream(), consumerProps: functionProps, onFailureTopic: new sns.Topic(stack, 'Failures'),
    });
    expect(titles(dashboardOf(stack, processor))).toEqual([
      '### StreamProcessor `S/Processor`', 'Iterator age (ms)', 'Errors and undelivered failure contexts',
    ]);
  });

  test('DurableSubscriber: the topic, then queue, dead-letter queue and subscription dead-letter queue depths side by side', () => {
    const stack = newStack();
    const subscriber = new DurableSubscriber(stack, 'Orders', { consumerProps: functionProps });
    const body = dashboardOf(stack, subscriber);
    const topic = graph(body, 'Topic');
    expect(graphMetrics(topic).map((m) => [m.namespace, m.name, m.stat, m.period])).toEqual([
      ['AWS/SNS', 'NumberOfMessagesPublished', 'Sum', 60],
      ['AWS/SNS', 'NumberOfNotificationsFailed', 'Sum', 60],
      ['AWS/SNS', 'NumberOfNotificationsRedrivenToDlq', 'Sum', 60],
      ['AWS/SNS', 'NumberOfNotificationsFailedToRedriveToDlq', 'Sum', 60],
    ]);
    expect(graphMetrics(topic)[0].dimensions).toEqual({ TopicName: expect.stringMatching(/^\$\{GetAtt:OrdersTopic[0-9A-F]{8}\.TopicName\}$/) });
    expect(annotations(topic)).toEqual([{ label: 'NumberOfNotificationsFailedToRedriveToDlq >= 1 for 1 datapoints within 1 minute', value: 1, yAxis: 'left' }]);

    const depths = graph(body, 'Queue -> dead-letter queue | subscription dead-letter queue');
    expect(graphMetrics(depths).map((m) => [m.label, m.name, m.stat, m.period, m.dimensions.QueueName])).toEqual([
      ['Queue', 'ApproximateNumberOfMessagesVisible', 'Maximum', 60, expect.stringMatching(/^\$\{GetAtt:OrdersQueue[0-9A-F]{8}\.QueueName\}$/)],
      ['Dead-letter queue', 'ApproximateNumberOfMessagesVisible', 'Maximum', 60, expect.stringMatching(/^\$\{GetAtt:OrdersDeadLetterQueue[0-9A-F]{8}\.QueueName\}$/)],
      ['Subscription dead-letter queue', 'ApproximateNumberOfMessagesVisible', 'Maximum', 60, expect.stringMatching(/^\$\{GetAtt:OrdersSubscriptionDeadLetterQueue[0-9A-F]{8}\.QueueName\}$/)],
    ]);
    expect(annotations(depths)).toEqual([
      { label: 'ApproximateNumberOfMessagesVisible >= 1 for 1 datapoints within 1 minute', value: 1, yAxis: 'left' },
      { label: 'ApproximateNumberOfMessagesVisible >= 1 for 1 datapoints within 1 minute', value: 1, yAxis: 'left' },
    ]);
    expect(graphMetrics(graph(body, 'Consumer lag (s)')).map((m) => m.name)).toEqual(['ApproximateAgeOfOldestMessage']);
  });

  test('EmrPipeline: executions by status with the alarms\' thresholds, and the teardown\'s health', () => {
    const stack = newStack();
    const pipeline = new EmrPipeline(stack, 'Pipeline', { vpc: new ec2.Vpc(stack, 'Vpc', { natGateways: 1 }) });
    const body = dashboardOf(stack, pipeline);
    const executions = graph(body, 'Executions by status');
    expect(graphMetrics(executions).map((m) => [m.namespace, m.name, m.stat, m.period, Object.keys(m.dimensions)])).toEqual(
      ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']
        .map((name) => ['AWS/States', name, 'Sum', 300, ['StateMachineArn']]),
    );
    expect(graphMetrics(executions)[0].dimensions.StateMachineArn).toMatch(/^\$\{Ref:PipelineStateMachine[0-9A-F]{8}\}$/);
    expect(annotations(executions).map((a: any) => a.label)).toEqual([
      'ExecutionsFailed >= 1 for 1 datapoints within 5 minutes',
      'ExecutionsTimedOut >= 1 for 1 datapoints within 5 minutes',
      'ExecutionsAborted >= 1 for 1 datapoints within 5 minutes',
    ]);
    const teardown = graph(body, 'Teardown (clusters left running?)');
    expect(graphMetrics(teardown).map((m) => [m.namespace, m.name])).toEqual([
      ['AWS/States', 'ExecutionsSucceeded'], ['AWS/States', 'ExecutionsFailed'], ['AWS/SQS', 'ApproximateNumberOfMessagesVisible'],
    ]);
    expect(graphMetrics(teardown)[1].dimensions.StateMachineArn).toMatch(/^\$\{Ref:PipelineTeardown/);
    expect(annotations(teardown).map((a: any) => [a.label, a.value])).toEqual([
      ['ExecutionsFailed >= 1 for 1 datapoints within 5 minutes', 1],
      ['ApproximateNumberOfMessagesVisible >= 1 for 1 datapoints within 5 minutes', 1],
    ]);
  });

  test('AuroraIamFunction: function errors, and the capacity of the cluster it defines against the capacity alarm', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const fn = new AuroraIamFunction(stack, 'Db', { vpc, ...functionProps });
    const body = dashboardOf(stack, fn);
    const errors = graph(body, 'Function errors and duration');
    expect(graphMetrics(errors).map((m) => [m.name, m.stat, m.yAxis])).toEqual([['Errors', 'Sum', 'left'], ['Duration', 'Average', 'right']]);
    expect(annotations(errors)).toEqual([{ label: 'Errors >= 1 for 1 datapoints within 5 minutes', value: 1, yAxis: 'left' }]);
    const capacity = graph(body, 'Aurora Serverless v2 capacity');
    expect(graphMetrics(capacity).map((m) => [m.namespace, m.name, m.stat, m.yAxis, m.dimensions])).toEqual([
      ['AWS/RDS', 'ServerlessDatabaseCapacity', 'Average', 'left', { DBClusterIdentifier: expect.stringMatching(/^\$\{Ref:DbCluster/) }],
      ['AWS/RDS', 'ACUUtilization', 'Average', 'right', { DBClusterIdentifier: expect.stringMatching(/^\$\{Ref:DbCluster/) }],
    ]);
    expect(annotations(capacity)).toEqual([{ label: 'ACUUtilization >= 90 for 3 datapoints within 15 minutes', value: 90, yAxis: 'right' }]);
  });

  test('AuroraIamFunction with a given cluster shows the function only', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const cluster = new rds.DatabaseCluster(stack, 'Cluster', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 }),
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      vpc,
      iamAuthentication: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    });
    const fn = new AuroraIamFunction(stack, 'Db', { vpc, cluster, ...functionProps });
    expect(titles(dashboardOf(stack, fn))).toEqual(['### AuroraIamFunction `S/Db`', 'Function errors and duration']);
  });
});

// Any IDashboardSource composes, not only this library's constructs.
test('a source of the caller\'s own', () => {
  const stack = newStack();
  const queue = new sqs.Queue(stack, 'Queue');
  const body = dashboardOf(stack, { dashboardWidgets: () => [new cloudwatch.GraphWidget({ title: 'Mine', left: [queue.metricNumberOfMessagesSent()] })] });
  expect(titles(body)).toEqual(['Mine']);
});
