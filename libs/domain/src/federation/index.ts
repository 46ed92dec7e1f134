export * from './federation-attributes';
export * from './federation-rules';
export * from './affiliations';
export * from './federation-identifiers';
export * from './release-policy';
export * from './attribute-set';
export * from './ad-attribute-mapping';
