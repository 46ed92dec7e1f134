export {};
export * from './federation';
export * from './clock';
export * from './names';
export * from './civic-number';
export * from './email';
export * from './protection';
export * from './roles';
export * from './lifecycle';
