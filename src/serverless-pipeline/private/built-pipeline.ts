import * as pipelines from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';

/**
 * A CodePipeline that calls back once its CodePipeline resources exist. CDK Pipelines defines
 * them only in `buildPipeline()` (run by an Aspect at synth, or by the user, once either way), so
 * the acknowledgements on the roles and projects it generates can only be placed then.
 */
export class BuiltPipeline extends pipelines.CodePipeline {
  constructor(
    scope: Construct,
    id: string,
    props: pipelines.CodePipelineProps,
    private readonly afterBuild: (pipeline: pipelines.CodePipeline) => void,
  ) {
    super(scope, id, props);
  }

  protected doBuildPipeline(): void {
    super.doBuildPipeline();
    this.afterBuild(this);
  }
}
