import { Duration, Names, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IDependable } from 'constructs';
import { acknowledgeNagRule } from '../common/nag';
import { resolveProps } from '../common/spec';
import { EXISTING_KINESIS_SOURCE_SPEC, NEW_KINESIS_STREAM_SPEC } from './private/spec';
import { streamConsumerActive } from './private/stream-consumer-active';

/** How long a DynamoDB stream keeps records; fixed by the service. */
const DYNAMODB_STREAM_RETENTION = Duration.hours(24);

/** Options for reading a Kinesis data stream. */
export interface KinesisSourceOptions {
  /**
   * Read through a dedicated enhanced fan-out consumer (`SubscribeToShard`, 2 MB/s per shard for this
   * processor alone, ~70 ms propagation) instead of sharing the stream's 2 MB/s per shard read
   * throughput with its other readers (`GetRecords`, polled once per second).
   *
   * @default false
   * @see https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#services-kinesis-configure
   */
  readonly enhancedFanOut?: boolean;
}

/** Options for reading a Kinesis data stream defined elsewhere. */
export interface ExistingKinesisSourceOptions extends KinesisSourceOptions {
  /**
   * How long the stream keeps records. Bounds `maxRecordAge` and derives the iterator-age alarm
   * threshold. Give it when the stream is imported; for a `kinesis.Stream` of the same app it is read
   * from the stream's template.
   *
   * @default - read from the stream when it is a `kinesis.Stream` of this app, otherwise unknown
   *   (then only the 7-day limit of `maxRecordAge` is checked)
   */
  readonly retentionPeriod?: Duration;
}

/** Options for the Kinesis data stream a processor defines. */
export interface NewKinesisStreamOptions extends KinesisSourceOptions {
  /**
   * Shards of a provisioned stream. Each shard is read by up to `parallelizationFactor` concurrent
   * invocations.
   *
   * @default - on-demand capacity mode (the stream scales its shards itself)
   * @see https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html
   */
  readonly shardCount?: number;

  /**
   * How long the stream keeps records. Valid range: 24 hours to 365 days, in whole hours.
   *
   * @default Duration.hours(24)
   * @see https://docs.aws.amazon.com/streams/latest/dev/kinesis-extended-retention.html
   */
  readonly retentionPeriod?: Duration;

  /**
   * Customer-managed key to encrypt the stream's records with (server-side encryption of the new
   * stream; the consumer is granted kms:Decrypt on it).
   *
   * @default - the AWS-managed key `alias/aws/kinesis`
   */
  readonly streamEncryptionKey?: kms.IKey;

  /**
   * What happens to the stream (and the records it holds) when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** What a source gives the processor once it is bound. */
export interface StreamSourceConfig {
  /** The ARN the event source mapping reads: the stream, its enhanced fan-out consumer, or the table's stream. */
  readonly eventSourceArn: string;

  /**
   * How long the source keeps records.
   *
   * @default - unknown
   */
  readonly retentionPeriod?: Duration;

  /**
   * Number of shards, when known at synth time.
   *
   * @default - unknown (on-demand, imported, or a DynamoDB stream)
   */
  readonly shardCount?: number;

  /**
   * The Kinesis data stream.
   *
   * @default - not a Kinesis source
   */
  readonly stream?: kinesis.IStream;

  /**
   * The enhanced fan-out consumer the mapping reads through.
   *
   * @default - none
   */
  readonly streamConsumer?: kinesis.IStreamConsumer;

  /**
   * The DynamoDB table whose stream is read.
   *
   * @default - not a DynamoDB source
   */
  readonly table?: dynamodb.ITable;

  /**
   * What the consumer's role needs for the mapping to read the source, each action on a resource
   * type it accepts (the service authorization reference). The processor puts them in a policy the
   * mapping depends on.
   */
  readonly policyStatements: iam.PolicyStatement[];

  /**
   * What the event source mapping must be created after: for enhanced fan-out, a custom resource
   * that completes once the consumer is ACTIVE.
   *
   * @default - nothing
   */
  readonly mappingDependencies?: IDependable[];
}

/**
 * The stream a `StreamProcessor` consumes: a Kinesis data stream (given or defined) or a DynamoDB
 * table's stream.
 */
export abstract class StreamSource {
  /**
   * An existing Kinesis data stream.
   *
   * @param stream the stream to read
   * @param options how to read it
   */
  public static kinesis(stream: kinesis.IStream, options: ExistingKinesisSourceOptions = {}): StreamSource {
    return new KinesisSource(resolveProps(EXISTING_KINESIS_SOURCE_SPEC, options), () => stream);
  }

  /**
   * A new Kinesis data stream, defined in the processor's scope with the id `Stream`: encrypted
   * (AWS-managed key unless one is given) and on-demand unless a shard count is given.
   *
   * @param options the stream's capacity, retention and encryption
   */
  public static newKinesisStream(options: NewKinesisStreamOptions = {}): StreamSource {
    const config = resolveProps(NEW_KINESIS_STREAM_SPEC, options);
    const shards = config.shardCount;
    return new KinesisSource(config, (scope) => {
      const stream = new kinesis.Stream(scope, 'Stream', {
        streamMode: shards === undefined ? kinesis.StreamMode.ON_DEMAND : kinesis.StreamMode.PROVISIONED,
        shardCount: shards,
        retentionPeriod: config.retentionPeriod,
        encryption: config.streamEncryptionKey ? kinesis.StreamEncryption.KMS : kinesis.StreamEncryption.MANAGED,
        encryptionKey: config.streamEncryptionKey,
        removalPolicy: config.removalPolicy,
      });
      if (config.streamEncryptionKey) {
        acknowledgeNagRule(stream, 'AwsSolutions-KDS3',
          'A customer-managed key was given explicitly (streamEncryptionKey); without one the stream uses the aws/kinesis key.');
      }
      return stream;
    });
  }

  /**
   * The stream of a DynamoDB table (its records are kept for 24 hours).
   *
   * @param table a table with a stream (`stream` set on a `Table`, `dynamoStream` on a `TableV2`, or
   *   `tableStreamArn` given when importing)
   */
  public static dynamoDb(table: dynamodb.ITable): StreamSource {
    if (table.tableStreamArn === undefined) {
      throw new Error(
        `StreamSource.dynamoDb: table ${table.node.path} has no stream; enable one (e.g. \`stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES\`) ` +
        'or give `tableStreamArn` when importing the table',
      );
    }
    return new DynamoDbSource(table);
  }

  /**
   * Defines what the source needs in the processor's scope (a new stream, an enhanced fan-out
   * consumer) and says which permissions reading it takes. Called once by the processor.
   *
   * @param scope the processor
   */
  public abstract bind(scope: Construct): StreamSourceConfig;
}

class KinesisSource extends StreamSource {
  constructor(
    private readonly options: KinesisSourceOptions & { readonly retentionPeriod?: Duration },
    private readonly streamIn: (scope: Construct) => kinesis.IStream,
  ) {
    super();
  }

  public bind(scope: Construct): StreamSourceConfig {
    const stream = this.streamIn(scope);
    // A stream of this app tells its retention and shards through its template (on-demand has none).
    const cfn = stream.node.defaultChild instanceof kinesis.CfnStream ? stream.node.defaultChild : undefined;
    const retentionHours = cfn?.retentionPeriodHours;
    const retentionPeriod = this.options.retentionPeriod
      ?? (typeof retentionHours === 'number' && !Token.isUnresolved(retentionHours) ? Duration.hours(retentionHours) : undefined);
    const onDemand = (cfn?.streamModeDetails as kinesis.CfnStream.StreamModeDetailsProperty | undefined)?.streamMode === kinesis.StreamMode.ON_DEMAND;
    const shardCount = !onDemand && typeof cfn?.shardCount === 'number' && !Token.isUnresolved(cfn.shardCount) ? cfn.shardCount : undefined;

    // Not stream.grantRead: it also grants ListStreams, SubscribeToShard and DescribeStreamConsumer on
    // the stream ARN, where none of them applies (ListStreams takes `*` only, the other two a consumer ARN).
    // These are the stream-level actions Lambda's Kinesis execution-role documentation lists.
    const statements = [new iam.PolicyStatement({
      actions: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'],
      resources: [stream.streamArn],
    })];
    if (stream.encryptionKey) {
      statements.push(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [stream.encryptionKey.keyArn] }));
    }
    const common = { retentionPeriod, shardCount, stream, policyStatements: statements };
    if (!this.options.enhancedFanOut) {
      return { ...common, eventSourceArn: stream.streamArn };
    }
    const streamConsumer = new kinesis.StreamConsumer(scope, 'StreamConsumer', {
      stream,
      // Consumer names are unique per stream; the construct path makes this one unique and stable.
      streamConsumerName: Names.uniqueResourceName(scope, { maxLength: 128 }),
    });
    statements.push(new iam.PolicyStatement({
      actions: ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard'],
      resources: [streamConsumer.streamConsumerArn],
    }));
    return {
      ...common,
      eventSourceArn: streamConsumer.streamConsumerArn,
      streamConsumer,
      // CloudFormation reports the consumer created while it is still CREATING, when it cannot be read.
      mappingDependencies: [streamConsumerActive(scope, streamConsumer)],
    };
  }
}

class DynamoDbSource extends StreamSource {
  constructor(private readonly table: dynamodb.ITable) {
    super();
  }

  public bind(_scope: Construct): StreamSourceConfig {
    const streamArn = this.table.tableStreamArn!;
    // What table.grantStreamRead grants, with ListStreams on `*`: it has no resource-level permissions.
    const statements = [
      new iam.PolicyStatement({ actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], resources: [streamArn] }),
      new iam.PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] }),
    ];
    if (this.table.encryptionKey) {
      statements.push(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [this.table.encryptionKey.keyArn] }));
    }
    return { eventSourceArn: streamArn, retentionPeriod: DYNAMODB_STREAM_RETENTION, table: this.table, policyStatements: statements };
  }
}
