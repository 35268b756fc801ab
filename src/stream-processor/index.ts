export * from './stream-processor';
export * from './stream-source';
