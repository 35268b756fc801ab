import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledgeNoDeadLetterQueue } from './nag';
import { createSecureFunction, validateFunctionDurations } from './secure-function';

/** The consumer of an event-source-mapping pattern: one given, or one to define. */
export interface ConsumerChoice {
  readonly consumer?: lambda.IFunction;
  readonly consumerProps?: lambda.FunctionProps;
}

/** What `resolveConsumer` gives back. */
export interface ResolvedConsumer {
  /** The function the event source mapping invokes (given, or defined). */
  readonly consumer: lambda.IFunction;
  /** The function defined from `consumerProps`, if any. */
  readonly lambdaFunction?: lambda.Function;
}

/**
 * Uses the given consumer, or defines one (`Function`) from `consumerProps` with the library's
 * secure defaults. Exactly one of the two must be given. An event source mapping invokes its
 * function synchronously, so the async DLQ cdk-nag asks for could never receive anything: the
 * finding is acknowledged with `whereFailuresGo`.
 */
export function resolveConsumer(scope: Construct, choice: ConsumerChoice, whereFailuresGo: string): ResolvedConsumer {
  if ((choice.consumer === undefined) === (choice.consumerProps === undefined)) {
    throw new Error(`Exactly one of consumer and consumerProps must be given, got ${choice.consumer ? 'both' : 'neither'}`);
  }
  if (choice.consumer) {
    return { consumer: choice.consumer };
  }
  validateFunctionDurations(choice.consumerProps!, 'consumerProps.');
  const fn = createSecureFunction(scope, 'Function', choice.consumerProps!);
  acknowledgeNoDeadLetterQueue(fn,
    `Invoked synchronously by its event source mapping, where an async DLQ never applies: ${whereFailuresGo}`);
  return { consumer: fn, lambdaFunction: fn };
}

/**
 * Grants the consumer's role what its event source mapping needs, in a policy of the pattern's own
 * scope, and makes the mapping depend on it.
 *
 * Why a policy of our own rather than the role's default policy (what the L2 grants use):
 * - Lambda checks the execution role when it creates the mapping (for SQS: "The provided execution
 *   role does not have permissions to call ReceiveMessage"; aws-cdk #6770, #23550), so the mapping
 *   must wait for the policy. A DependsOn on the role's default policy would, for a function the user
 *   defined, make the mapping wait for everything later granted to that role.
 * - The policy sits in the mapping's stack: a consumer in another stack gets no reference to the
 *   source (which would make that stack depend on this one while the mapping depends on the
 *   consumer: a stack cycle), and the role's own resources never depend on the mapping's source
 *   (the role <-> policy cycle of `consumer.node.addDependency`).
 *
 * @returns the policy, or undefined when the consumer has no known role (imported without one)
 */
export function grantMappingAccess(scope: Construct, consumer: lambda.IFunction, mapping: lambda.EventSourceMapping,
  statements: iam.PolicyStatement[]): iam.Policy | undefined {
  if (!consumer.role) return undefined;
  const policy = new iam.Policy(scope, 'MappingPolicy', { roles: [consumer.role], statements });
  mapping.node.addDependency(policy);
  return policy;
}

/**
 * An on-failure destination that grants nothing itself: the statement it needs is given to
 * `grantMappingAccess` with the others (the L2 `SqsDlq`/`SnsDlq` grant on the role's default policy).
 */
export function onFailureDestination(destinationArn: string): lambda.IEventSourceDlq {
  return { bind: () => ({ destination: destinationArn }) };
}
