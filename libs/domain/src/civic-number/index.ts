export * from './civic-number';
