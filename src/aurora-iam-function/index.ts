export * from './aurora-iam-function';
export * from './database-user';
