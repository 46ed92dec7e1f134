import { createPrismaClient, PrismaClient } from '@skolkonto/persistence';
import { ConsoleConfig } from '../config';

export const CONSOLE_CONFIG = Symbol('CONSOLE_CONFIG');

/**
 * The console's database connection. One query before Nest starts warms the client's query
 * compiler, so the first /health or login does not pay for it.
 */
export const prismaProvider = {
  provide: PrismaClient,
  inject: [CONSOLE_CONFIG],
  useFactory: async (config: ConsoleConfig) => {
    const prisma = createPrismaClient(config.DATABASE_URL, { poolSize: 5 });
    await prisma.$queryRaw`SELECT 1`;
    return prisma;
  },
};
