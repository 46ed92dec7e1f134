import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';

/**
 * Prisma Client over the pg driver adapter: no native query engine is needed, which is what lets
 * the services run where Prisma's binary host is unreachable.
 */
export function createPrismaClient(databaseUrl: string, options: { poolSize?: number } = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.poolSize ?? 10 });
  return new PrismaClient({ adapter });
}

/**
 * A client whose first query has run (it loads Prisma's query compiler: at boot, not inside a health
 * probe), with its liveness check handed to `registerHealth` (e.g. the platform's HealthRegistry).
 */
export async function connectPrismaClient(
  databaseUrl: string,
  registerHealth: (check: () => Promise<void>) => void,
  options: { poolSize?: number } = {},
): Promise<PrismaClient> {
  const prisma = createPrismaClient(databaseUrl, options);
  const ping = async () => {
    await prisma.$queryRaw`SELECT 1`;
  };
  await ping();
  registerHealth(ping);
  return prisma;
}
