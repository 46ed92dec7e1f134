export {};
export * from './account-name';
export * from './federation';
