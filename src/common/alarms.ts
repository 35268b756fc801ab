import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cw_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledgeGuardRule } from './guard';

/** What every alarm the constructs create needs. */
export interface AlarmSpec {
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  /** What went wrong and what to do; the construct's path is put in front of it. */
  readonly description: string;
  /** @default GREATER_THAN_OR_EQUAL_TO_THRESHOLD */
  readonly comparisonOperator?: cloudwatch.ComparisonOperator;
  /** @default 1 */
  readonly evaluationPeriods?: number;
  /** @default evaluationPeriods */
  readonly datapointsToAlarm?: number;
  /** @default NOT_BREACHING (no data means nothing failed) */
  readonly treatMissingData?: cloudwatch.TreatMissingData;
}

/**
 * Creates an alarm and, when an action topic is given, notifies it on ALARM and on OK so the
 * on-call person also learns when the problem is over.
 *
 * The description starts with the path of `scope` (the construct that owns the alarm), so two
 * instances of a construct never page with the same text.
 */
export function createAlarm(scope: Construct, id: string, spec: AlarmSpec, actionTopic?: sns.ITopic): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    metric: spec.metric,
    threshold: spec.threshold,
    alarmDescription: `${scope.node.path}: ${spec.description}`,
    comparisonOperator: spec.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: spec.evaluationPeriods ?? 1,
    datapointsToAlarm: spec.datapointsToAlarm,
    treatMissingData: spec.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  if (actionTopic) {
    const action = new cw_actions.SnsAction(actionTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  } else {
    acknowledgeGuardRule(alarm, 'cloudwatch_alarm_action_check',
      'Alarm actions are set only when the construct is given an alarm topic (`alarmTopic`); without one the alarm is exposed (`alarms`) for the caller to route.');
  }
  return alarm;
}
