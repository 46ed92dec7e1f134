export * from './email';
