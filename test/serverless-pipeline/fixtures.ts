import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PipelineSource, ServerlessPipeline, ServerlessPipelineProps } from '../../src/serverless-pipeline';

export { ServiceStage } from './service-stage';

export function newPipeline(props: Partial<ServerlessPipelineProps> = {}, stackProps = {}) {
  const app = new App();
  const stack = new Stack(app, 'PipelineStack', stackProps);
  const pipeline = new ServerlessPipeline(stack, 'Pipeline', {
    source: PipelineSource.newCodeCommitRepository('my-service'),
    ...props,
  });
  return { app, stack, pipeline };
}

/** Builds the CDK pipeline (as synth would) and returns the pipeline stack's template. */
export function build(stack: Stack, pipeline: ServerlessPipeline): Template {
  pipeline.pipeline.buildPipeline();
  return Template.fromStack(stack);
}

/** The pipeline's stages as [stage, [action, runOrder][]]. */
export function pipelineStages(t: Template): Array<[string, Array<[string, number]>]> {
  const pipelines = Object.values(t.findResources('AWS::CodePipeline::Pipeline'));
  expect(pipelines).toHaveLength(1);
  return pipelines[0].Properties.Stages.map((s: any) => [s.Name, s.Actions.map((a: any) => [typeof a.Name === 'string' ? a.Name : 'token', a.RunOrder])]);
}

/** The action `name` of stage `stage`. */
export function pipelineAction(t: Template, stage: string, name: string): any {
  const pipeline = Object.values(t.findResources('AWS::CodePipeline::Pipeline'))[0];
  return pipeline.Properties.Stages.find((s: any) => s.Name === stage).Actions.find((a: any) => a.Name === name);
}

/** The parsed buildspec of the CodeBuild project whose description ends with `/<stage>/<action>`. */
export function buildSpec(t: Template, stageAndAction: string): any {
  const projects = Object.values(t.findResources('AWS::CodeBuild::Project'))
    .filter((p: any) => (p.Properties.Description as string).endsWith(`/${stageAndAction}`));
  expect(projects).toHaveLength(1);
  return JSON.parse(projects[0].Properties.Source.BuildSpec);
}

/** The policy document of the latency gate of `stage`. */
export function gatePolicy(t: Template, stage: string): any {
  const policies = Object.entries(t.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith(`Pipeline${stage}LatencyGateRoleDefaultPolicy`));
  expect(policies).toHaveLength(1);
  return policies[0][1].Properties.PolicyDocument;
}

export const arnOf = (suffix: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':lambda:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, suffix]],
});
