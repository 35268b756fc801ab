// README, StreamProcessor, "The handler contract": a consumer written with Powertools' batch processor.
// (examples/ is not shipped; the lint config allows devDependencies only under test/.)
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { KinesisStreamHandler, KinesisStreamRecord } from 'aws-lambda';

const processor = new BatchProcessor(EventType.KinesisDataStreams);

async function recordHandler(record: KinesisStreamRecord): Promise<void> {
  const order = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
  await saveOrder(order); // throw to report this record as failed
}

// processInParallel: false keeps the records of a shard in order (parallel processing breaks it).
export const handler: KinesisStreamHandler = async (event, context) =>
  processPartialResponse(event, recordHandler, processor, { context, processInParallel: false });

declare function saveOrder(order: unknown): Promise<void>;
