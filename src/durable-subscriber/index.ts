export * from './durable-subscriber';
