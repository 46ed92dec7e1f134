import { createPrismaClient, PrismaClient } from '@skolkonto/persistence';
import { ConsoleConfig } from '../config';

export const CONSOLE_CONFIG = Symbol('CONSOLE_CONFIG');

/** The console's database connection; closed when the app shuts down. */
export const prismaProvider = {
  provide: PrismaClient,
  inject: [CONSOLE_CONFIG],
  useFactory: (config: ConsoleConfig) => createPrismaClient(config.DATABASE_URL, { poolSize: 5 }),
};
