import { Annotations, Duration, TimeZone } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { PROVISIONED_FUNCTION_SPEC, ProvisionedFunctionConfig } from './private/spec';
import { createAlarm } from '../common/alarms';
import { alarmAnnotations, graphWidget, titleWidget } from '../common/dashboard';
import { acknowledgeNagRule, acknowledgeNoDeadLetterQueue, nagResourceText } from '../common/nag';
import { createSecureFunction, literalEventAge, writeEventAgeToken } from '../common/secure-function';
import { resolveProps } from '../common/spec';
import { IDashboardSource } from '../service-dashboard/dashboard-source';

/**
 * A scheduled change of the auto-scaling bounds, e.g. a higher floor during business hours.
 *
 * @see https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-scheduled-scaling.html
 */
export interface ProvisionedConcurrencySchedule {
  /**
   * Name of the scheduled action (also its construct id): unique among the schedules.
   */
  readonly name: string;

  /**
   * When the action runs, e.g. `appscaling.Schedule.cron({ hour: '8', minute: '0', weekDay: 'MON-FRI' })`.
   */
  readonly schedule: appscaling.Schedule;

  /**
   * The lowest provisioned concurrency from this time on. Must lie within the auto-scaling
   * `minCapacity`-`maxCapacity` range. Set this, `maxCapacity`, or both.
   *
   * @default - unchanged
   */
  readonly minCapacity?: number;

  /**
   * The highest provisioned concurrency from this time on. Must lie within the auto-scaling
   * `minCapacity`-`maxCapacity` range. Set this, `minCapacity`, or both.
   *
   * @default - unchanged
   */
  readonly maxCapacity?: number;

  /**
   * Time zone of a cron or `at` schedule.
   *
   * @default - UTC
   */
  readonly timeZone?: TimeZone;
}

/**
 * Application Auto Scaling of the alias's provisioned concurrency: target tracking on
 * `ProvisionedConcurrencyUtilization`, plus optional schedules.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html#managing-provisioned-concurency
 */
export interface ProvisionedConcurrencyAutoScaling {
  /**
   * The lowest provisioned concurrency auto-scaling may set, and the value a first deployment
   * allocates. Must be >= 1 (a zero floor would leave the alias without provisioned concurrency,
   * and target tracking without the utilization metric it scales on) and <= `provisionedConcurrency`.
   *
   * @default - the `provisionedConcurrency` of the construct
   */
  readonly minCapacity?: number;

  /**
   * The highest provisioned concurrency auto-scaling may set. Must be >= `provisionedConcurrency`
   * and, when `reservedConcurrentExecutions` is set, <= it.
   */
  readonly maxCapacity: number;

  /**
   * The share of provisioned environments in use that target tracking keeps. Valid range: 0.1-0.9.
   *
   * @default 0.7
   */
  readonly utilizationTarget?: number;

  /**
   * Scheduled changes of the scaling bounds, e.g. a higher floor during business hours.
   *
   * @default - no schedules
   */
  readonly schedules?: ProvisionedConcurrencySchedule[];
}

/**
 * Gradual traffic shifting to each new version with CodeDeploy.
 *
 * @see https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html#deployment-configuration-lambda
 */
export interface GradualDeployment {
  /**
   * How traffic moves to the new version, e.g. `LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES`.
   */
  readonly deploymentConfig: codedeploy.ILambdaDeploymentConfig;

  /**
   * More alarms that stop the deployment and roll back to the previous version when they fire.
   * The construct always adds one on the new version's function errors (`newVersionErrorsAlarm`).
   *
   * @default - only `newVersionErrorsAlarm` (and a failed hook) roll back
   */
  readonly alarms?: cloudwatch.IAlarm[];

  /**
   * Function CodeDeploy runs before shifting traffic; it must report its result with
   * `PutLifecycleEventHookExecutionStatus` (granted to it).
   *
   * @default - no pre-traffic hook
   */
  readonly preHook?: lambda.IFunction;

  /**
   * Function CodeDeploy runs after all traffic has shifted; it must report its result with
   * `PutLifecycleEventHookExecutionStatus` (granted to it).
   *
   * @default - no post-traffic hook
   */
  readonly postHook?: lambda.IFunction;

  /**
   * Whether the construct's own alarms (spillover, sustained high utilization) also roll back a
   * deployment. They measure capacity rather than the new version's correctness, so a traffic
   * peak during a deployment would undo a good release: off unless you want that.
   *
   * @default false
   */
  readonly rollbackOnConstructAlarms?: boolean;
}

/**
 * Properties of a ProvisionedFunction: the function's own props, plus its alias, provisioned
 * concurrency, auto-scaling and deployment.
 *
 * The asynchronous-invocation options (`onFailure`, `onSuccess`, `maxEventAge`, `retryAttempts`)
 * are applied to the alias, which callers invoke, rather than to `$LATEST`.
 *
 * Where the inherited `@default`s say otherwise, the library's secure defaults apply (jsii forbids
 * re-declaring an inherited prop to document them): `memorySize` 512, `timeout` 30 seconds, active
 * X-Ray `tracing`, an own `logGroup` kept one year, an own `role` without managed policies.
 */
export interface ProvisionedFunctionProps extends lambda.FunctionProps {
  /**
   * Name of the alias callers invoke: 1-128 letters, digits, `-` or `_`, not only digits.
   *
   * @default 'live'
   */
  readonly aliasName?: string;

  /**
   * Number of execution environments Lambda keeps initialized for the alias (>= 1). With
   * `autoScaling`, Application Auto Scaling owns the value: this is then the floor it never scales
   * below, unless `autoScaling.minCapacity` sets a lower one, and deployments leave the current
   * value as they find it.
   *
   * @see https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html
   */
  readonly provisionedConcurrency: number;

  /**
   * Auto-scaling of the provisioned concurrency.
   *
   * @default - fixed provisioned concurrency
   */
  readonly autoScaling?: ProvisionedConcurrencyAutoScaling;

  /**
   * Gradual deployment of each new version through CodeDeploy.
   *
   * @default - each deployment switches the alias to the new version at once
   */
  readonly deployment?: GradualDeployment;

  /**
   * SNS topic notified when an alarm of the construct changes to ALARM or back to OK.
   *
   * @default - alarms without actions
   */
  readonly alarmTopic?: sns.ITopic;
}

/** Periods the utilization alarm waits for: short peaks are what target tracking absorbs. */
const HIGH_UTILIZATION_PERIODS = 5;
/** Utilization above which callers are close to spilling over to on-demand (cold) environments. */
const HIGH_UTILIZATION_THRESHOLD = 0.9;

/**
 * A Lambda function whose callers invoke an alias on its current version with provisioned
 * concurrency, so latency-sensitive callers never wait for a cold start.
 *
 * Grants and event sources attach to the alias, so provisioned environments are the ones used.
 */
export class ProvisionedFunction extends Construct implements iam.IGrantable, IDashboardSource {
  /** The function (unqualified); callers should use `alias`. */
  public readonly lambdaFunction: lambda.Function;
  /** The published version of the function's current code and configuration. */
  public readonly version: lambda.Version;
  /** The alias callers invoke; it holds the provisioned concurrency. */
  public readonly alias: lambda.Alias;
  /**
   * The scalable provisioned concurrency, when `autoScaling` is set: it then alone sets the
   * alias's provisioned concurrency.
   */
  public readonly scalableTarget?: lambda.IScalableFunctionAttribute;
  /** The CodeDeploy deployment group, when `deployment` is set. */
  public readonly deploymentGroup?: codedeploy.LambdaDeploymentGroup;
  /** Alarms on spillover to cold environments and on sustained high utilization. */
  public readonly alarms: cloudwatch.Alarm[];
  /**
   * The alarm on function errors of the version being deployed, which rolls a CodeDeploy
   * deployment back, when `deployment` is set.
   */
  public readonly newVersionErrorsAlarm?: cloudwatch.Alarm;
  /**
   * The lowest provisioned concurrency the alias has once deployed: `autoScaling.minCapacity`
   * when given, otherwise `provisionedConcurrency`.
   */
  public readonly provisionedConcurrencyFloor: number;
  /** The function's execution role. */
  public readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: ProvisionedFunctionProps) {
    super(scope, id);
    const config = resolveProps(PROVISIONED_FUNCTION_SPEC, props);
    const {
      aliasName, provisionedConcurrency, autoScaling, deployment, alarmTopic,
      onFailure, onSuccess, maxEventAge, retryAttempts,
      ...functionProps
    } = config;

    this.lambdaFunction = createSecureFunction(this, 'Function', functionProps);
    this.grantPrincipal = this.lambdaFunction.grantPrincipal;
    this.acknowledgeDeadLetterQueue(config);

    this.version = this.lambdaFunction.currentVersion;
    this.alias = new lambda.Alias(this, 'Alias', {
      aliasName,
      version: this.version,
      // An EventInvokeConfig on the function would apply to $LATEST only, which nobody invokes.
      onFailure,
      onSuccess,
      maxEventAge: literalEventAge(maxEventAge),
      retryAttempts,
    });
    writeEventAgeToken(this.alias, maxEventAge);
    this.provisionedConcurrencyFloor = autoScaling ? autoScaling.minCapacity : provisionedConcurrency;
    if (!autoScaling) {
      // Set on the L1: the L2 compares the value with 0 and so rejects a token (a negative number).
      (this.alias.node.defaultChild as lambda.CfnAlias).provisionedConcurrencyConfig = {
        provisionedConcurrentExecutions: provisionedConcurrency,
      };
    } else {
      // One owner per value: with auto-scaling the scalable target alone sets the provisioned
      // concurrency (registering it moves the current value into [min, max]). Were it also on the
      // alias, every stack update of the alias would put it back to `provisionedConcurrency`,
      // dropping whatever target tracking or a schedule had set (see the README).
      this.scalableTarget = this.alias.addAutoScaling({
        minCapacity: this.provisionedConcurrencyFloor,
        maxCapacity: autoScaling.maxCapacity,
      });
      this.scalableTarget.scaleOnUtilization({ utilizationTarget: autoScaling.utilizationTarget });
      for (const s of autoScaling.schedules) {
        this.scalableTarget.scaleOnSchedule(s.name, {
          schedule: s.schedule,
          minCapacity: s.minCapacity,
          maxCapacity: s.maxCapacity,
          timeZone: s.timeZone,
        });
      }
    }

    this.alarms = [
      createAlarm(this, 'SpilloverAlarm', {
        metric: this.metricProvisionedConcurrencySpilloverInvocations({ period: Duration.minutes(1) }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        description: 'Invocations of the alias ran on on-demand environments (possible cold starts): provisioned concurrency was exhausted.',
      }, alarmTopic),
      createAlarm(this, 'HighUtilizationAlarm', {
        // Average, like target tracking: the maximum reaches 1 whenever all environments are busy for an instant.
        metric: this.metricProvisionedConcurrencyUtilization({ period: Duration.minutes(1), statistic: cloudwatch.Stats.AVERAGE }),
        threshold: HIGH_UTILIZATION_THRESHOLD,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: HIGH_UTILIZATION_PERIODS,
        description: `Provisioned concurrency of the alias has been over ${HIGH_UTILIZATION_THRESHOLD * 100}% in use for ${HIGH_UTILIZATION_PERIODS} minutes: raise it (or autoScaling.maxCapacity) before callers spill over.`,
      }, alarmTopic),
    ];

    if (deployment) {
      this.newVersionErrorsAlarm = createAlarm(this, 'NewVersionErrorsAlarm', {
        metric: this.metricNewVersionErrors(),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        description: 'Invocations of the alias running its current version ended in a function error; during a CodeDeploy deployment of that version, this rolls the alias back to the previous one.',
      }, alarmTopic);
      this.deploymentGroup = new codedeploy.LambdaDeploymentGroup(this, 'DeploymentGroup', {
        alias: this.alias,
        deploymentConfig: deployment.deploymentConfig,
        alarms: [
          this.newVersionErrorsAlarm,
          ...deployment.alarms,
          ...(deployment.rollbackOnConstructAlarms ? this.alarms : []),
        ],
        // Explicit rather than aws-cdk's defaults: a failed hook and any alarm both roll back; a
        // deployment stopped by hand is left where it was stopped.
        autoRollback: { failedDeployment: true, deploymentInAlarm: true, stoppedDeployment: false },
        preHook: deployment.preHook,
        postHook: deployment.postHook,
      });
      acknowledgeNagRule(this.deploymentGroup.role,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
        'LambdaDeploymentGroup always attaches AWSCodeDeployRoleForLambdaLimited, the AWS-maintained narrow policy for Lambda deployments (update and read aliases, read provisioned concurrency and alarms, invoke CodeDeployHook_* functions).');
      for (const [name, hook] of [['PreHook', deployment.preHook], ['PostHook', deployment.postHook]] as const) {
        if (!hook) continue;
        // grantInvoke also grants on `<hook ARN>:*`, the hook's versions and aliases.
        acknowledgeNagRule(this.deploymentGroup.role,
          `AwsSolutions-IAM5[Resource::${nagResourceText(this, hook.functionArn)}:*]`,
          'CodeDeploy invokes this traffic hook; the grant covers the hook function and its own versions and aliases, nothing else.');
        this.grantHookStatus(name, hook);
      }
    }
  }

  /**
   * A traffic hook reports its verdict with codedeploy:PutLifecycleEventHookExecutionStatus. The
   * service authorization reference lists no resource type for that action (only `*`), so the grant
   * aws-cdk-lib's LambdaDeploymentGroup gives the hook, on the deployment group's ARN, cannot take
   * effect, and a hook that cannot report fails (and so rolls back) every deployment. The hook's role
   * gets the action on `*` in a policy of its own, so that the acknowledgement covers this one statement.
   */
  private grantHookStatus(name: string, hook: lambda.IFunction): void {
    if (!hook.role) {
      Annotations.of(this).addWarningV2('cdk-serverless-patterns:ProvisionedFunction:hookWithoutRole',
        `deployment.${name === 'PreHook' ? 'preHook' : 'postHook'} has no known role: grant it codedeploy:PutLifecycleEventHookExecutionStatus on "*" yourself, or the hook cannot report its result`);
      return;
    }
    const policy = new iam.Policy(this, `${name}StatusPolicy`, {
      statements: [new iam.PolicyStatement({ actions: ['codedeploy:PutLifecycleEventHookExecutionStatus'], resources: ['*'] })],
      roles: [hook.role],
    });
    acknowledgeNagRule(policy, 'AwsSolutions-IAM5[Resource::*]',
      'PutLifecycleEventHookExecutionStatus has no resource types in the service authorization reference: it can only be granted on "*" (the traffic hook reports its verdict with it).');
  }

  /** Grants permission to invoke the alias (and so its provisioned environments). */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.alias.grantInvoke(grantee);
  }

  /**
   * Subscribes the alias to an event source, so events are processed by provisioned environments.
   * The mapping waits for the function's role and its policies (where the event source grants its
   * access): Lambda checks the role when it creates the mapping.
   */
  public addEventSource(source: lambda.IEventSource): void {
    const before = new Set(this.alias.node.children);
    this.alias.addEventSource(source);
    for (const mapping of this.alias.node.children.filter((c) => !before.has(c) && c instanceof lambda.EventSourceMapping)) {
      mapping.node.addDependency(this.lambdaFunction.role!);
      if (source instanceof SqsEventSource) {
        acknowledgeNagRule(mapping, 'Serverless-LambdaEventSourceMappingDestination',
          'SQS event source mappings take no on-failure destination (only stream and Kafka sources do): the queue\'s redrive policy (its dead-letter queue) is where failed messages go.');
      }
    }
  }

  /**
   * Any Lambda metric of the alias (namespace `AWS/Lambda`, dimensions `FunctionName` and
   * `Resource` = `<function>:<alias>`).
   *
   * @default - average over 5 minutes
   * @see https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.alias.metric(metricName, props);
  }

  /**
   * The share of the alias's provisioned concurrency in use (0-1).
   *
   * @default - maximum over 5 minutes
   */
  public metricProvisionedConcurrencyUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.alias.metric('ProvisionedConcurrencyUtilization', { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * Invocations of the alias served by on-demand environments because all provisioned ones were
   * busy: each may have been a cold start.
   *
   * @default - sum over 5 minutes
   */
  public metricProvisionedConcurrencySpilloverInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.alias.metric('ProvisionedConcurrencySpilloverInvocations', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Environments of the alias busy with an invocation on provisioned concurrency: compare with the
   * provisioned concurrency (`provisionedConcurrencyFloor` and the scaling maximum).
   *
   * @default - maximum over 5 minutes
   */
  public metricProvisionedConcurrentExecutions(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.alias.metric('ProvisionedConcurrentExecutions', { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * Invocations of the alias.
   *
   * @default - sum over 5 minutes
   */
  public metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.alias.metricInvocations(props);
  }

  /**
   * Invocations of the alias that ended in a function error.
   *
   * @default - sum over 5 minutes
   */
  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.alias.metricErrors(props);
  }

  /**
   * Function errors of invocations of the alias that ran this construct's current version (the
   * `ExecutedVersion` dimension): while CodeDeploy shifts traffic, the errors of the new version
   * alone, not those of the version it replaces.
   *
   * One minute rather than the library's five: CodeDeploy checks the alarm during traffic-shifting
   * intervals that can be a few minutes long, and a 5-minute period could end after the shift.
   *
   * @default - sum over 1 minute
   */
  public metricNewVersionErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.alias.metric('Errors', {
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(1),
      ...props,
      dimensionsMap: {
        FunctionName: this.lambdaFunction.functionName,
        Resource: `${this.lambdaFunction.functionName}:${this.alias.aliasName}`,
        ExecutedVersion: this.version.version,
      },
    });
  }

  /**
   * Duration of the alias's invocations.
   *
   * @default - average over 5 minutes
   */
  public metricDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.alias.metricDuration(props);
  }

  /**
   * Invocations of the alias rejected for lack of concurrency.
   *
   * @default - sum over 5 minutes
   */
  public metricThrottles(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.alias.metricThrottles(props);
  }

  /**
   * The alias's provisioned concurrency on a `ServiceDashboard`: its utilization against the
   * high-utilization alarm, the environments in use against the provisioned concurrency, the
   * spillover invocations against the spillover alarm, and invocations, errors and throttles.
   *
   * Metric names: Lambda's provisioned concurrency metrics
   * (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-concurrency.html), emitted per alias
   * (dimensions `FunctionName` and `Resource`).
   */
  public dashboardWidgets(): cloudwatch.IWidget[] {
    // The alarms' period, so the graphs show what the alarms evaluate.
    const minute = { period: Duration.minutes(1) };
    return [
      titleWidget(this, 'ProvisionedFunction'),
      graphWidget({
        title: 'Provisioned concurrency utilization',
        left: [
          this.metricProvisionedConcurrencyUtilization({ ...minute, statistic: cloudwatch.Stats.AVERAGE, label: 'Average' }),
          this.metricProvisionedConcurrencyUtilization({ ...minute, label: 'Maximum' }),
        ],
        leftAnnotations: alarmAnnotations(this, 'HighUtilizationAlarm'),
        leftYAxis: { max: 1 },
      }),
      graphWidget({
        title: 'Provisioned environments in use and spillover',
        left: [this.metricProvisionedConcurrentExecutions({ ...minute, label: 'ProvisionedConcurrentExecutions' })],
        leftAnnotations: [{ value: this.provisionedConcurrencyFloor, label: 'Provisioned concurrency (floor)' }],
        right: [this.metricProvisionedConcurrencySpilloverInvocations({ ...minute, label: 'Spillover invocations' })],
        rightAnnotations: alarmAnnotations(this, 'SpilloverAlarm'),
      }),
      graphWidget({
        title: 'Invocations, errors and throttles',
        left: [
          this.metricInvocations(), this.metricErrors(), this.metricThrottles(),
          // With a deployment, what rolls it back: the errors of the current version alone.
          ...(this.newVersionErrorsAlarm ? [this.metricNewVersionErrors({ label: 'Errors of the current version' })] : []),
        ],
        leftAnnotations: alarmAnnotations(this, 'NewVersionErrorsAlarm'),
      }),
    ];
  }

  /**
   * cdk-nag's Serverless-LambdaDLQ wants a dead-letter target. A DLQ given in props satisfies
   * it; otherwise the finding is acknowledged with the reason that applies.
   */
  private acknowledgeDeadLetterQueue(config: ProvisionedFunctionConfig): void {
    acknowledgeNoDeadLetterQueue(this.lambdaFunction,
      'Provisioned concurrency serves synchronous callers (API Gateway, SDK RequestResponse) through the alias; they receive errors directly and a DLQ would never be used. Asynchronous users pass deadLetterQueue or onFailure.', config);
  }
}
