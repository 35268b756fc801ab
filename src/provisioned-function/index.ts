export * from './provisioned-function';
