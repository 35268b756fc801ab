import { CfnOutput, Duration, Stack, Token } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LATENCY_GATE_SPEC, PROBE_UNITS } from './private/spec';
import { resolveProps } from '../common/spec';
import { ProvisionedFunction } from '../provisioned-function';

/** Thresholds and load of a latency gate. */
export interface LatencyGateOptions {
  /**
   * Concurrent requests the probe keeps in flight. Valid range: 1-1000. While `maxColdStarts` is
   * 0, at most the alias's provisioned concurrency when it is known at synth time: requests beyond
   * it run on on-demand environments, which start cold.
   * @default - the alias's provisioned concurrency when known at synth time, else 10
   * (a `ProvisionedFunction`'s floor, or a literal `provisionedConcurrentExecutions` of an alias without auto-scaling)
   */
  readonly concurrency?: number;
  /**
   * Requests the probe sends in total. Valid range: 1-100000, at least `concurrency`.
   * @default 100
   */
  readonly requests?: number;
  /**
   * Cold starts tolerated before the gate fails. Valid range: 0-`requests`.
   * @default 0 (a provisioned alias must serve every request warm)
   */
  readonly maxColdStarts?: number;
  /**
   * The 99th-percentile latency above which the gate fails. Valid range: 1 ms - 15 minutes, in whole milliseconds.
   * @default - no latency bound (only cold starts are checked)
   */
  readonly maxP99?: Duration;
}

/**
 * A check run after a stage is deployed: this package's latency probe (`cdk-serverless-patterns
 * probe`) invokes one alias of one function of the stage and fails the pipeline when a threshold
 * is broken.
 *
 * The function's ARN crosses from the stage to the pipeline through a `CfnOutput` of the stage,
 * which CDK Pipelines hands to the gate as an environment variable.
 */
export class LatencyGate {
  /**
   * A gate on an alias of a stage (e.g. `ProvisionedFunction.alias`, or `fn.addAlias('live')`).
   * Adds the `CfnOutput` the gate needs (construct id `LatencyGateFunctionArn`, under the alias)
   * to the alias's stack.
   *
   * @param alias the alias to probe; a function or version without an alias is refused
   */
  public static forAlias(alias: lambda.IFunction, options: LatencyGateOptions = {}): LatencyGate {
    if (!isAlias(alias)) {
      throw new Error(
        `LatencyGate.forAlias: ${alias.node.path} is a function without an alias; the probe measures an alias ` +
        "(where provisioned concurrency lives): pass one, e.g. fn.addAlias('live')",
      );
    }
    const fn = alias.version.lambda;
    const output = (alias.node.tryFindChild(OUTPUT_ID) as CfnOutput | undefined) ?? new CfnOutput(alias, OUTPUT_ID, {
      value: fn.functionArn,
      description: `ARN of the function whose alias '${alias.aliasName}' a latency gate of the pipeline probes`,
    });
    // A literal name: an imported function's, or the one given to a function defined here.
    const cfnFunction = fn.node.defaultChild;
    const explicitName = !Token.isUnresolved(fn.functionName) ? fn.functionName
      : cfnFunction instanceof lambda.CfnFunction ? cfnFunction.functionName : undefined;
    return new LatencyGate(output, alias.aliasName, options, Stack.of(fn), explicitName, knownProvisionedConcurrency(alias));
  }

  /**
   * A gate on a function named by an output of the stage (its name or ARN), for functions this
   * library did not see being defined. The output must be in the function's stack: the gate's
   * permissions are derived from that stack's name unless the output's value is a literal name.
   *
   * @param functionOutput a `CfnOutput` whose value is the function's name or ARN
   * @param aliasName the alias to probe (the probe's `--qualifier`)
   */
  public static fromOutput(functionOutput: CfnOutput, aliasName: string, options: LatencyGateOptions = {}): LatencyGate {
    const value = functionOutput.value;
    let literalName: string | undefined;
    if (typeof value === 'string' && !Token.isUnresolved(value)) {
      // A literal ARN is arn:<partition>:lambda:<region>:<account>:function:<name>, unqualified: the
      // gate adds the alias itself.
      const parts = value.split(':');
      if (value.startsWith('arn:') && (parts.length !== 7 || parts[2] !== 'lambda' || parts[5] !== 'function')) {
        throw new Error(`LatencyGate.fromOutput: the output's value must be a function name or an unqualified function ARN (arn:<partition>:lambda:<region>:<account>:function:<name>), got ${value}`);
      }
      literalName = value.startsWith('arn:') ? parts[6] : value;
      if (!/^[\w-]{1,64}$/.test(literalName)) {
        throw new Error(`LatencyGate.fromOutput: the output's value must be a function name (1-64 letters, digits, - or _) or an unqualified function ARN, got ${value}`);
      }
    }
    return new LatencyGate(functionOutput, aliasName, options, Stack.of(functionOutput), literalName);
  }

  /** The output whose value (the function's name or ARN) is the probe's target. */
  public readonly functionOutput: CfnOutput;
  /** The alias probed (the probe's `--qualifier`). */
  public readonly aliasName: string;
  /** Concurrent requests in flight. */
  public readonly concurrency: number;
  /** Requests in total. */
  public readonly requests: number;
  /** Cold starts tolerated. */
  public readonly maxColdStarts: number;
  /**
   * The p99 latency bound.
   * @default - none
   */
  public readonly maxP99?: Duration;
  /**
   * The function's name as the gate's IAM policy matches it: the exact name when it is known at
   * synth time, otherwise the prefix CloudFormation gives the names it generates
   * (`<first 25 characters of the stack name>…*`).
   */
  public readonly functionNamePattern: string;
  /** The stack that holds the function. */
  public readonly functionStack: Stack;
  private readonly maxP99Argument?: string;

  private constructor(
    functionOutput: CfnOutput,
    aliasName: string,
    options: LatencyGateOptions,
    functionStack: Stack,
    explicitFunctionName: string | undefined,
    provisionedConcurrency?: number,
  ) {
    const config = resolveProps(LATENCY_GATE_SPEC, { ...options, aliasName, provisionedConcurrency });

    this.functionOutput = functionOutput;
    this.aliasName = config.aliasName;
    this.concurrency = config.concurrency;
    this.requests = config.requests;
    this.maxColdStarts = config.maxColdStarts;
    this.maxP99 = config.maxP99;
    this.maxP99Argument = config.maxP99 && probeDuration(config.maxP99);
    this.functionStack = functionStack;
    this.functionNamePattern = explicitFunctionName !== undefined && !Token.isUnresolved(explicitFunctionName)
      ? explicitFunctionName
      : generatedNamePattern(functionStack.stackName);
  }

  /**
   * The probe's command line, reading the function's ARN from `envVariable`.
   * @internal
   */
  public _probeCommand(envVariable: string): string {
    const args = [
      'npx', 'cdk-serverless-patterns', 'probe', `"$${envVariable}"`,
      '--qualifier', this.aliasName,
      '--concurrency', `${this.concurrency}`,
      '--requests', `${this.requests}`,
      '--max-cold-starts', `${this.maxColdStarts}`,
    ];
    if (this.maxP99Argument) args.push('--max-p99', this.maxP99Argument);
    args.push('--json');
    return args.join(' ');
  }
}

const OUTPUT_ID = 'LatencyGateFunctionArn';

/**
 * CloudFormation names a function it names itself `<stack name>-<logical id>-<suffix>`, shortening
 * a long stack name to fit Lambda's 64 characters; it has been seen to keep 25 (not a documented
 * bound: should it keep fewer, the gate is denied and fails, it never passes unchecked).
 */
function generatedNamePattern(stackName: string): string {
  if (Token.isUnresolved(stackName)) return '*';
  return stackName.length <= 25 ? `${stackName}-*` : `${stackName.slice(0, 25)}*`;
}

/**
 * A duration as the probe reads it. A token cannot be converted to milliseconds at synth time, so it
 * keeps its own unit (one the probe has: LATENCY_GATE_SPEC refuses a token in days).
 */
function probeDuration(duration: Duration): string {
  if (!duration.isUnresolved()) return `${duration.toMilliseconds()}ms`;
  return duration.formatTokenToNumber().replace(/ \w+$/, PROBE_UNITS[duration.unitLabel()]);
}

/**
 * The provisioned concurrency the alias has at least once deployed, when it is known at synth time:
 * a `ProvisionedFunction`'s floor, or the literal `ProvisionedConcurrencyConfig` of an alias defined
 * here without auto-scaling (whose schedules could set any value). Otherwise undefined.
 */
function knownProvisionedConcurrency(alias: lambda.IAlias): number | undefined {
  let value: unknown;
  const owner = alias.node.scope;
  if (owner instanceof ProvisionedFunction && owner.alias === alias) {
    value = owner.provisionedConcurrencyFloor;
  } else if (alias instanceof lambda.Alias && !alias.node.findAll().some((c) => c instanceof appscaling.CfnScalableTarget)) {
    const config = (alias.node.defaultChild as lambda.CfnAlias).provisionedConcurrencyConfig;
    value = config && !Token.isUnresolved(config)
      ? (config as lambda.CfnAlias.ProvisionedConcurrencyConfigurationProperty).provisionedConcurrentExecutions
      : undefined;
  }
  return typeof value === 'number' && !Token.isUnresolved(value) && value > 0 ? value : undefined;
}

function isAlias(fn: lambda.IFunction): fn is lambda.IAlias {
  return typeof (fn as Partial<lambda.IAlias>).aliasName === 'string' && (fn as Partial<lambda.IAlias>).version !== undefined;
}
