import { Stack, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';

/**
 * Acknowledges a cdk-nag finding on the narrowest construct that causes it, with the reason a
 * reviewer needs. Uses the core `Validations` API, so the library does not depend on cdk-nag.
 *
 * Granular findings on ARNs built from pseudo parameters (e.g. the managed-policy finding
 * `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/...]`) hold more than one `::`,
 * which `Validations.acknowledge` rejects as a malformed prefix; those are recorded directly in the
 * same construct metadata (`Validations.ACKNOWLEDGED_RULES_METADATA_KEY`) that cdk-nag reads.
 *
 * @param scope the construct the finding is about (acknowledgements apply to it and its children)
 * @param ruleId the cdk-nag rule, e.g. `AwsSolutions-IAM4`, or one exact granular finding such as
 *               `AwsSolutions-IAM5[Resource::*]`
 * @param reason why the finding is acceptable here
 */
export function acknowledgeNagRule(scope: IConstruct, ruleId: string, reason: string): void {
  if (ruleId.split('::').length > 2) {
    scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [ruleId]: reason });
  } else {
    Validations.of(scope).acknowledge({ id: ruleId, reason });
  }
}

/**
 * The one place cdk-nag's Serverless-LambdaDLQ (a function without a dead-letter target) is
 * acknowledged. A dead-letter target in `options` (a DLQ, a topic or `onFailure`) satisfies the
 * rule, and then nothing is acknowledged; otherwise `reason` says why failed events have nowhere
 * to be parked, or where they go instead.
 */
export function acknowledgeNoDeadLetterQueue(fn: IConstruct, reason: string, options: lambda.FunctionOptions = {}): void {
  if (options.deadLetterQueue || options.deadLetterTopic || options.deadLetterQueueEnabled) return;
  acknowledgeNagRule(fn, 'Serverless-LambdaDLQ', options.onFailure
    ? 'Failed asynchronous invocations go to the onFailure destination given in props, which supersedes a DLQ.'
    : reason);
}

/**
 * The text cdk-nag uses for a resource in a granular finding id (`AwsSolutions-IAM5[Resource::<text>]`):
 * `Ref` becomes `<Id>`, `Fn::GetAtt` becomes `<Id.Attr>`, `Fn::Join` and `Fn::Sub` are flattened, as
 * cdk-nag's `flattenCfnReference` does. Use it to acknowledge a wildcard on a resource whose
 * logical id is only known at synth time.
 */
export function nagResourceText(scope: IConstruct, value: string): string {
  return nagReferenceText(Stack.of(scope).resolve(value));
}

/** `nagResourceText` for a value that is already resolved (e.g. a statement of a resolved policy). */
export function nagReferenceText(resolved: unknown): string {
  const visit = (node: unknown): string => {
    if (node === undefined) return '';
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
    const o = node as Record<string, any>;
    if (o['Fn::Join']) {
      const [delimiter, items] = o['Fn::Join'];
      return (items as unknown[]).map(visit).join(delimiter);
    }
    if (o['Fn::Sub']) return visit(o['Fn::Sub']);
    if (o['Fn::GetAtt']) return `<${visit(o['Fn::GetAtt'][0])}.${visit(o['Fn::GetAtt'][1])}>`;
    if (o['Fn::ImportValue']) return visit(o['Fn::ImportValue']);
    if (o.Ref) return `<${visit(o.Ref)}>`;
    return JSON.stringify(node);
  };
  return visit(resolved);
}
