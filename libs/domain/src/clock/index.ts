export * from './clock';
export * from './file-clock';
