export { connectPrismaClient, createPrismaClient } from './prisma-client';
export { migrate, readMigrations, defaultMigrationsDir, MigrationError } from './migrations/migration-runner';
export type { MigrationResult } from './migrations/migration-runner';
export { Prisma, PrismaClient } from './generated/prisma/client';
export * from './generated/prisma/models';
export * from './outbox';
