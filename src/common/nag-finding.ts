import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledges one granular cdk-nag finding whose id holds more than one `::`, which
 * `Validations.acknowledge` (and so `acknowledgeNagRule`) rejects as a malformed prefix: e.g. the
 * managed-policy finding `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/...]`.
 * It records the finding in the same construct metadata `Validations.acknowledge` writes, which
 * cdk-nag reads; use `acknowledgeNagRule` for every other id.
 *
 * @param scope the construct the finding is about (acknowledgements apply to it and its children)
 * @param findingId the exact granular finding id cdk-nag reports
 * @param reason why the finding is acceptable here
 */
export function acknowledgeNagFinding(scope: IConstruct, findingId: string, reason: string): void {
  scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [findingId]: reason });
}

/**
 * The text cdk-nag uses for a resource in a granular finding id (`AwsSolutions-IAM5[Resource::<text>]`):
 * `Ref` becomes `<Id>`, `Fn::GetAtt` becomes `<Id.Attr>`, `Fn::Join` and `Fn::Sub` are flattened, as
 * cdk-nag's `flattenCfnReference` does. Use it to acknowledge a wildcard on a resource whose
 * logical id is only known at synth time.
 */
export function nagResourceText(scope: IConstruct, value: string): string {
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
  return visit(Stack.of(scope).resolve(value));
}
