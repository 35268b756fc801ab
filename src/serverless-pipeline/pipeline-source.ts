import { Annotations } from 'aws-cdk-lib';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as codepipeline_actions from 'aws-cdk-lib/aws-codepipeline-actions';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import { PIPELINE_SOURCE_SPEC } from './private/spec';
import { resolveProps } from '../common/spec';

/** What a `PipelineSource` gives the pipeline that binds it. */
export interface PipelineSourceConfig {
  /** The CDK Pipelines source step: its output is the checked-out repository. */
  readonly input: pipelines.CodePipelineSource;
  /**
   * The CodeCommit repository, when the source is one.
   * @default - no repository (a CodeStar connection or an S3 object)
   */
  readonly repository?: codecommit.IRepository;
  /**
   * The bucket of the source object, when the source is one.
   * @default - no bucket (a repository)
   */
  readonly bucket?: s3.IBucket;
}

/** Options of a CodeCommit repository created by the pipeline. */
export interface NewCodeCommitRepositoryOptions {
  /**
   * Branch whose commits start the pipeline.
   * @default 'main'
   */
  readonly branch?: string;
  /**
   * Description of the repository.
   * @default - none
   */
  readonly description?: string;
}

/** Options of a source object in S3. */
export interface S3SourceOptions {
  /**
   * How the pipeline learns that a new version of the object was uploaded.
   *
   * - `S3Trigger.POLL`: CodePipeline checks the object periodically; nothing else is needed. CodePipeline
   *   disables polling on a pipeline inactive for longer than 30 days (its `pollingDisabledAt`).
   * - `S3Trigger.EVENTS`: an EventBridge rule matching the CloudTrail events of writes to the object
   *   (`PutObject`, `CopyObject`, `CompleteMultipartUpload`) starts the pipeline. CloudTrail records
   *   them only when a trail logs the bucket's write data events, which this library does not create:
   *   without one, uploads never start the pipeline.
   * - `S3Trigger.NONE`: only manual starts (`aws codepipeline start-pipeline-execution`).
   *
   * @default codepipeline_actions.S3Trigger.POLL
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-S3.html
   * @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_PipelineMetadata.html
   * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/events/log-s3-data-events.html
   */
  readonly trigger?: codepipeline_actions.S3Trigger;
}

/**
 * Where the pipeline gets the CDK app from. One of: a hosted Git repository (GitHub, GitLab,
 * Bitbucket) through a CodeStar connection, a zip of the app in a versioned S3 bucket, an existing
 * CodeCommit repository, or a CodeCommit repository the pipeline creates (for accounts that may
 * still create CodeCommit repositories).
 */
export abstract class PipelineSource {
  /**
   * A new CodeCommit repository, created in the pipeline's stack (construct id `Repository`) and
   * exposed as `ServerlessPipeline.repository`.
   *
   * AWS closed CodeCommit to new customers on 25 July 2024: an account that is not already a
   * CodeCommit customer cannot create the repository. The pipeline gets a synth warning saying so
   * (`cdk-serverless-patterns:PipelineSource:codeCommitClosedToNewCustomers`); prefer `connection`.
   *
   * @param repositoryName name of the repository (1-100 letters, digits, `.`, `_` or `-`)
   * @see https://docs.aws.amazon.com/codecommit/latest/userguide/limits.html
   * @see https://aws.amazon.com/blogs/devops/how-to-migrate-your-aws-codecommit-repository-to-another-git-provider/
   */
  public static newCodeCommitRepository(repositoryName: string, options: NewCodeCommitRepositoryOptions = {}): PipelineSource {
    const config = resolveProps(PIPELINE_SOURCE_SPEC, { ...options, repositoryName });
    return new NewRepositorySource(repositoryName, config.branch, config.description);
  }

  /**
   * An existing CodeCommit repository.
   *
   * @param branch branch whose commits start the pipeline (default `main`)
   */
  public static codeCommit(repository: codecommit.IRepository, branch?: string): PipelineSource {
    const config = resolveProps(PIPELINE_SOURCE_SPEC, { branch });
    return new ExistingSource(() => ({
      input: pipelines.CodePipelineSource.codeCommit(repository, config.branch),
      repository,
    }));
  }

  /**
   * A repository on GitHub, GitLab or Bitbucket through a CodeStar connection.
   *
   * @param repoString `owner/repository`
   * @param branch branch whose commits start the pipeline
   * @param connectionArn ARN of a connection in the AVAILABLE state
   * @see https://docs.aws.amazon.com/dtconsole/latest/userguide/welcome-connections.html
   */
  public static connection(repoString: string, branch: string, connectionArn: string): PipelineSource {
    resolveProps(PIPELINE_SOURCE_SPEC, { repoString, branch, connectionArn });
    return new ExistingSource(() => ({
      input: pipelines.CodePipelineSource.connection(repoString, branch, { connectionArn }),
    }));
  }

  /**
   * A zip of the app uploaded to a versioned S3 bucket (each new version of the object starts the
   * pipeline, see `options.trigger`): for apps delivered by another system, or an account without
   * a Git connection. The bucket must be versioned (CodePipeline reads the object's versions); a
   * bucket defined in the app without versioning is refused at synth.
   *
   * @param bucket a versioned bucket in the pipeline's region
   * @param objectKey key of the zip (e.g. `source/app.zip`)
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-S3.html
   */
  public static s3(bucket: s3.IBucket, objectKey: string, options: S3SourceOptions = {}): PipelineSource {
    const config = resolveProps(PIPELINE_SOURCE_SPEC, { ...options, bucket, objectKey });
    return new ExistingSource(() => ({
      input: pipelines.CodePipelineSource.s3(bucket, objectKey, { trigger: config.trigger }),
      bucket,
    }));
  }

  /** Called once by the pipeline that uses this source. */
  public abstract bind(scope: Construct): PipelineSourceConfig;
}

/** A source that exists already (a CodeCommit repository, one hosted behind a connection, an S3 object): nothing to define. */
class ExistingSource extends PipelineSource {
  constructor(private readonly produce: () => PipelineSourceConfig) {
    super();
  }

  public bind(_scope: Construct): PipelineSourceConfig {
    return this.produce();
  }
}

class NewRepositorySource extends PipelineSource {
  private boundTo?: Construct;

  constructor(
    private readonly repositoryName: string,
    private readonly branch: string,
    private readonly description?: string,
  ) {
    super();
  }

  public bind(scope: Construct): PipelineSourceConfig {
    // A second pipeline would define a second repository of the same name, which fails only at
    // deploy time: say so now, and how to share the repository instead.
    if (this.boundTo) {
      throw new Error(
        `PipelineSource.newCodeCommitRepository('${this.repositoryName}') is already the source of ${this.boundTo.node.path}: ` +
        'the repository can be created once; give the other pipeline PipelineSource.codeCommit(<first pipeline>.repository)',
      );
    }
    this.boundTo = scope;
    Annotations.of(scope).addWarningV2('cdk-serverless-patterns:PipelineSource:codeCommitClosedToNewCustomers',
      `PipelineSource.newCodeCommitRepository('${this.repositoryName}'): AWS CodeCommit is closed to new customers ` +
      '(since 25 July 2024, https://aws.amazon.com/blogs/devops/how-to-migrate-your-aws-codecommit-repository-to-another-git-provider/), ' +
      'so an account that is not already a CodeCommit customer cannot create the repository. ' +
      "Prefer PipelineSource.connection('owner/repository', branch, connectionArn) for GitHub, GitLab or Bitbucket.");
    const repository = new codecommit.Repository(scope, 'Repository', {
      repositoryName: this.repositoryName,
      description: this.description,
    });
    return { input: pipelines.CodePipelineSource.codeCommit(repository, this.branch), repository };
  }
}
