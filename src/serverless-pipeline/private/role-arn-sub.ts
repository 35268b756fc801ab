import { IResolvable, IResolveContext, Lazy, Stack } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';

/**
 * Renders the `RoleArn` of the pipeline's CloudFormation actions (CDK Pipelines points them at
 * the CDK bootstrap deploy role, `arn:${AWS::Partition}:iam::${AWS::AccountId}:role/...`) as
 * `Fn::Sub` instead of CDK's `Fn::Join` with an empty delimiter, which cfn-lint's
 * pipeline-action rule (E3703) reports as an error. Values that are not such a join are kept.
 */
export function renderActionRoleArnsAsSub(pipeline: codepipeline.Pipeline): void {
  const cfn = pipeline.node.defaultChild as codepipeline.CfnPipeline;
  const stack = Stack.of(cfn);
  const original = cfn.stages as unknown as IResolvable;
  // Uncached: the original stages are themselves produced at each resolution.
  cfn.stages = Lazy.uncachedAny({
    produce: (context: IResolveContext) => (original.resolve(context) as any[]).map((stage) => ({
      ...stage,
      actions: (stage.actions as any[]).map((action) => {
        const roleArn = action.configuration?.RoleArn;
        if (typeof roleArn !== 'string') return action;
        return { ...action, configuration: { ...action.configuration, RoleArn: joinToSub(stack.resolve(roleArn)) ?? roleArn } };
      }),
    })),
  });
}

/** `{ Fn::Join: ['', [strings and pseudo-parameter Refs]] }` as `{ Fn::Sub }`, else undefined. */
function joinToSub(resolved: any): object | undefined {
  const join = resolved?.['Fn::Join'];
  if (!Array.isArray(join) || join[0] !== '') return undefined;
  const parts = join[1] as unknown[];
  const isPseudo = (p: any) => typeof p === 'object' && p !== null && typeof p.Ref === 'string' && p.Ref.startsWith('AWS::');
  if (!parts.every((p) => typeof p === 'string' || isPseudo(p))) return undefined;
  return { 'Fn::Sub': parts.map((p: any) => typeof p === 'string' ? p.replace(/\$\{/g, '${!') : `\${${p.Ref}}`).join('') };
}
