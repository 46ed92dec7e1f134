export {};
export * from './federation';
