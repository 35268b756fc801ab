import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ProvisionedFunction } from '../../src';
import { handWrittenFunction } from '../support/hand-written-function';
import { BenchSubject } from '../support/subject';

const functionProps = {
  runtime: lambda.Runtime.NODEJS_24_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });'),
};

/**
 * A ProvisionedFunction with provisioned concurrency 2, and by hand: the function with its own log
 * group, role and tracing policy, a `live` alias on its current version with provisioned
 * concurrency, spillover and high-utilization alarms.
 */
export const subject: BenchSubject = {
  name: 'ProvisionedFunction',
  construct: (scope, id) => new ProvisionedFunction(scope, id, { ...functionProps, provisionedConcurrency: 2 }),
  floor: (parent, id) => {
    const scope = new Construct(parent, id);
    const fn = handWrittenFunction(scope, functionProps);
    const alias = new lambda.Alias(scope, 'Alias', { aliasName: 'live', version: fn.currentVersion, provisionedConcurrentExecutions: 2 });

    const minute = Duration.minutes(1);
    new cloudwatch.Alarm(scope, 'SpilloverAlarm', {
      metric: alias.metric('ProvisionedConcurrencySpilloverInvocations', { statistic: 'Sum', period: minute }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    new cloudwatch.Alarm(scope, 'HighUtilizationAlarm', {
      metric: alias.metric('ProvisionedConcurrencyUtilization', { statistic: 'Average', period: minute }),
      threshold: 0.9,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  },
};
