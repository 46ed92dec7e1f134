export * from './normalize-name';
export * from './neutral-names';
