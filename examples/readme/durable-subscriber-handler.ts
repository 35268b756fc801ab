import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';

const processor = new BatchProcessor(EventType.SQS);

async function processOrder(record: SQSRecord): Promise<void> {
  // Default (envelope) delivery: the published message is the `Message` field of the SNS
  // envelope. With rawMessageDelivery: true, record.body is the published message itself.
  const { Message } = JSON.parse(record.body);
  const order = JSON.parse(Message);
  if (!order.id) throw new Error('order without id'); // fails this record only
}

// Reports failed records as batchItemFailures: only they are retried, then dead-lettered.
export const handler = async (event: SQSEvent, context: Context) =>
  processPartialResponse(event, processOrder, processor, { context });
