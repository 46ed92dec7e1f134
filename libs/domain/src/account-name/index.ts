export * from './account-name';
