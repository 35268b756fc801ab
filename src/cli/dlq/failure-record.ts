/**
 * The record Lambda sends to an event source mapping's on-failure destination when it discards a batch
 * of a Kinesis or DynamoDB stream. Shape from the Lambda developer guide ("Capturing discarded batches
 * for a Kinesis Data Streams event source" and "... for a DynamoDB Streams event source"): the batch is
 * not in the record, only where it is in the stream, so replaying it means reading that range back.
 */
export interface StreamBatchInfo {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly batchSize: number;
  readonly streamArn: string;
}

export interface StreamFailure {
  readonly source: 'kinesis' | 'dynamodb';
  readonly batch: StreamBatchInfo;
  /** The function whose invocation failed (`requestContext.functionArn`). */
  readonly functionArn?: string;
}

/**
 * The stream batch a DLQ message describes, or undefined for any other message. A record that went
 * through an SNS on-failure destination arrives wrapped in SNS's notification JSON (unless the
 * subscription has raw message delivery), so that envelope is opened first.
 */
export function parseStreamFailure(body: string): StreamFailure | undefined {
  let record = parseJson(body);
  if (record?.Type === 'Notification' && typeof record.Message === 'string') {
    record = parseJson(record.Message);
  }
  const [source, info] = record?.KinesisBatchInfo !== undefined
    ? ['kinesis' as const, record.KinesisBatchInfo]
    : ['dynamodb' as const, record?.DDBStreamBatchInfo];
  if (!isBatchInfo(info)) {
    return undefined;
  }
  const functionArn = record?.requestContext?.functionArn;
  return {
    source,
    batch: {
      shardId: info.shardId,
      startSequenceNumber: info.startSequenceNumber,
      endSequenceNumber: info.endSequenceNumber,
      batchSize: info.batchSize,
      streamArn: info.streamArn,
    },
    functionArn: typeof functionArn === 'string' ? functionArn : undefined,
  };
}

function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isBatchInfo(info: any): info is StreamBatchInfo {
  return typeof info === 'object' && info !== null
    && ['shardId', 'startSequenceNumber', 'endSequenceNumber', 'streamArn'].every((k) => typeof info[k] === 'string')
    && /^[0-9]+$/.test(info.startSequenceNumber) && /^[0-9]+$/.test(info.endSequenceNumber);
}
