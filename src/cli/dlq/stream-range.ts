import { DynamoDBStreamsClient, GetRecordsCommand as GetDdbRecords, GetShardIteratorCommand as GetDdbIterator } from '@aws-sdk/client-dynamodb-streams';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { StreamFailure } from './failure-record';

/**
 * A stream record in the shape Lambda gives a function (the `Records[]` of a Kinesis or DynamoDB
 * event, as documented in "Using Lambda with Kinesis Data Streams" / "... with DynamoDB Streams"), so
 * that a replayed batch reaches the function as the original one did.
 */
export type EventRecord = Record<string, unknown>;

export interface StreamClients {
  readonly kinesis: () => KinesisClient;
  readonly dynamodbStreams: () => DynamoDBStreamsClient;
}

/** Consecutive empty GetRecords answers tolerated while the shard reports data ahead (MillisBehindLatest > 0). */
const MAX_EMPTY_READS = 20;

/**
 * Reads back the records of a discarded batch: from its start sequence number up to and including its
 * end, from a shard iterator `AT_SEQUENCE_NUMBER`. Fails when the range is no longer in the stream
 * (trimmed by retention) or the shard ends before it does.
 */
export async function readStreamRange(failure: StreamFailure, clients: StreamClients, region: string): Promise<EventRecord[]> {
  const { shardId, startSequenceNumber, endSequenceNumber, streamArn } = failure.batch;
  const end = BigInt(endSequenceNumber);
  const records: EventRecord[] = [];
  let emptyReads = 0;

  if (failure.source === 'kinesis') {
    const client = clients.kinesis();
    let iterator = (await client.send(new GetShardIteratorCommand({
      StreamARN: streamArn, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: startSequenceNumber,
    }))).ShardIterator;
    while (iterator !== undefined) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, StreamARN: streamArn, Limit: 1000 }));
      for (const r of page.Records ?? []) {
        if (BigInt(r.SequenceNumber!) > end) return records;
        records.push({
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: r.PartitionKey,
            sequenceNumber: r.SequenceNumber,
            data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
            approximateArrivalTimestamp: r.ApproximateArrivalTimestamp ? r.ApproximateArrivalTimestamp.getTime() / 1000 : undefined,
          },
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: `${shardId}:${r.SequenceNumber}`,
          eventName: 'aws:kinesis:record',
          awsRegion: region,
          eventSourceARN: streamArn,
        });
        if (BigInt(r.SequenceNumber!) === end) return records;
      }
      emptyReads = (page.Records ?? []).length === 0 ? emptyReads + 1 : 0;
      if (emptyReads > 0 && (page.MillisBehindLatest === 0 || emptyReads > MAX_EMPTY_READS)) break;
      iterator = page.NextShardIterator;
    }
  } else {
    const client = clients.dynamodbStreams();
    let iterator = (await client.send(new GetDdbIterator({
      StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: startSequenceNumber,
    }))).ShardIterator;
    while (iterator !== undefined) {
      const page = await client.send(new GetDdbRecords({ ShardIterator: iterator, Limit: 1000 }));
      for (const r of page.Records ?? []) {
        const sequence = r.dynamodb?.SequenceNumber;
        if (sequence === undefined) continue;
        if (BigInt(sequence) > end) return records;
        const { ApproximateCreationDateTime: created, ...change } = r.dynamodb!;
        records.push({
          eventID: r.eventID,
          eventName: r.eventName,
          eventVersion: r.eventVersion,
          eventSource: r.eventSource ?? 'aws:dynamodb',
          awsRegion: r.awsRegion ?? region,
          // Lambda's event carries the creation time in epoch seconds; the SDK parses it into a Date.
          dynamodb: { ApproximateCreationDateTime: created ? created.getTime() / 1000 : undefined, ...change },
          eventSourceARN: streamArn,
          ...(r.userIdentity ? { userIdentity: r.userIdentity } : {}),
        });
        if (BigInt(sequence) === end) return records;
      }
      // DynamoDB Streams reports no MillisBehindLatest: an empty page at the end of the written data ends it.
      emptyReads = (page.Records ?? []).length === 0 ? emptyReads + 1 : 0;
      if (emptyReads > 0) break;
      iterator = page.NextShardIterator;
    }
  }
  throw new Error(`the stream ${streamArn} shard ${shardId} ends before the batch's end sequence number ${endSequenceNumber}: `
    + `read ${records.length} of ${failure.batch.batchSize} records`);
}

/** JSON for event records: binary values (DynamoDB `B`/`BS`, already-encoded Kinesis data aside) as base64, as Lambda sends them. */
export function eventJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
}
