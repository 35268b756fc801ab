import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ProvisionedFunction } from '../../src';

// The README's ProvisionedFunction examples, compiled (at column 0, as the README shows them).
declare const stack: Stack;
declare const callerRole: iam.IRole;
declare const onCall: sns.ITopic;
declare const preTrafficCheck: lambda.IFunction;
declare const queue: sqs.IQueue;

const api = new ProvisionedFunction(stack, 'Api', {
  runtime: lambda.Runtime.NODEJS_24_X,
  handler: 'index.handler',
  code: lambda.Code.fromAsset('dist/api'),
  provisionedConcurrency: 5,
});
api.grantInvoke(callerRole); // on the alias: the caller gets provisioned environments

const checkout = new ProvisionedFunction(stack, 'Checkout', {
  runtime: lambda.Runtime.NODEJS_24_X,
  handler: 'index.handler',
  code: lambda.Code.fromAsset('dist/checkout'),
  memorySize: 1769, // one full vCPU
  provisionedConcurrency: 5,
  reservedConcurrentExecutions: 100,
  autoScaling: {
    maxCapacity: 50,
    utilizationTarget: 0.6,
    schedules: [{
      name: 'BusinessHours',
      schedule: appscaling.Schedule.cron({ weekDay: 'MON-FRI', hour: '8', minute: '0' }),
      minCapacity: 20,
      timeZone: TimeZone.EUROPE_BERLIN,
    }, {
      name: 'AfterHours',
      schedule: appscaling.Schedule.cron({ weekDay: 'MON-FRI', hour: '19', minute: '0' }),
      minCapacity: 5,
      timeZone: TimeZone.EUROPE_BERLIN,
    }],
  },
  deployment: {
    deploymentConfig: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
    preHook: preTrafficCheck,
  },
  alarmTopic: onCall,
});

// The new version's errors already roll back (newVersionErrorsAlarm). Add other reasons, e.g. a
// slow alias (the alarm needs the construct's metric, so it is added after construction).
checkout.deploymentGroup!.addAlarm(new cloudwatch.Alarm(stack, 'CheckoutSlow', {
  metric: checkout.metricDuration({ statistic: 'p99', period: Duration.minutes(1) }),
  threshold: 500,
  evaluationPeriods: 3,
}));

checkout.addEventSource(new SqsEventSource(queue)); // the alias consumes the queue
new HttpLambdaIntegration('Checkout', checkout.alias); // API Gateway invokes the alias

const cfnAlias = checkout.alias.node.defaultChild as lambda.CfnAlias;
cfnAlias.addPropertyOverride('Description', 'Checkout API, provisioned');
const cfnFunction = checkout.lambdaFunction.node.defaultChild as lambda.CfnFunction;
cfnFunction.addPropertyOverride('EphemeralStorage.Size', 1024);
