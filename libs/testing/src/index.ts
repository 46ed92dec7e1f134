// Real endpoints and per-test fixtures for integration tests (type:testing: may import anything).
export { loadStackEnv, parseStackEnv, stackEnvPath, repositoryRoot, STACK_ENV_KEYS } from './env/stack-env';
export type { StackEnvKey } from './env/stack-env';
export { testEnv, TestEnvError } from './env/test-env';
export type { TestEnv } from './env/test-env';
export { uniqueName } from './unique-name';
export { createTestOu, deleteSubtree, ldapConnect } from './ad/test-ou';
export type { TestOu } from './ad/test-ou';
export { createTestJetStream, natsConnect } from './nats/test-jetstream';
export type { TestJetStream } from './nats/test-jetstream';
export { createTestDatabase, adminDatabaseUrl, endOtherConnections } from './database/test-database';
export type { TestDatabase } from './database/test-database';
export { RecordingLogger } from './logging/recording-logger';
