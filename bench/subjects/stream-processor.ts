import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { StreamProcessor, StreamSource } from '../../src';
import { handWrittenFunction } from '../support/hand-written-function';
import { BenchSubject } from '../support/subject';

const consumerProps: lambda.FunctionProps = {
  runtime: lambda.Runtime.NODEJS_24_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
};

/**
 * A StreamProcessor of a new on-demand Kinesis stream, and by hand: the encrypted stream, the
 * function with its own log group, role and tracing policy, a KinesisEventSource with the same
 * options and an SQS on-failure destination (encrypted, TLS-only, 14 days), four alarms.
 */
export const subject: BenchSubject = {
  name: 'StreamProcessor',
  construct: (scope, id) => new StreamProcessor(scope, id, { source: StreamSource.newKinesisStream(), consumerProps }),
  floor: (parent, id) => {
    const scope = new Construct(parent, id);
    const fn = handWrittenFunction(scope, consumerProps);

    const stream = new kinesis.Stream(scope, 'Stream', {
      streamMode: kinesis.StreamMode.ON_DEMAND,
      encryption: kinesis.StreamEncryption.MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const onFailureQueue = new sqs.Queue(scope, 'OnFailureQueue', {
      enforceSSL: true, encryption: sqs.QueueEncryption.SQS_MANAGED, retentionPeriod: Duration.days(14),
    });
    fn.addEventSource(new sources.KinesisEventSource(stream, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      parallelizationFactor: 1,
      bisectBatchOnError: true,
      retryAttempts: 3,
      maxRecordAge: Duration.hours(1),
      reportBatchItemFailures: true,
      onFailure: new sources.SqsDlq(onFailureQueue),
    }));

    const alarm = (alarmId: string, metric: cloudwatch.IMetric, threshold: number) => new cloudwatch.Alarm(scope, alarmId, {
      metric, threshold, evaluationPeriods: 1, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('IteratorAgeAlarm', fn.metric('IteratorAge', { statistic: 'Maximum' }), Duration.minutes(30).toMilliseconds());
    alarm('ErrorsAlarm', fn.metricErrors(), 1);
    alarm('DestinationDeliveryFailuresAlarm', fn.metric('DestinationDeliveryFailures', { statistic: 'Sum' }), 1);
    alarm('OnFailureQueueDepthAlarm', onFailureQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }), 1);
  },
};
