import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledgeNagRule } from './nag';
import { createSecureFunction } from './secure-function';

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
  const fn = createSecureFunction(scope, 'Function', choice.consumerProps!);
  acknowledgeNagRule(fn, 'Serverless-LambdaDLQ',
    `Invoked synchronously by its event source mapping, where an async DLQ never applies: ${whereFailuresGo}`);
  return { consumer: fn, lambdaFunction: fn };
}
