// console_throughput_minutes: the saved side of ThroughputCounter.
import { Injectable } from '@nestjs/common';
import { Prisma, PrismaClient } from '@skolkonto/persistence';
import { KEEP_MINUTES, MINUTE, ThroughputRow } from './throughput-counter';

@Injectable()
export class ThroughputRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** The kept minutes (the last 24 hours up to `now`). */
  async load(now: number): Promise<ThroughputRow[]> {
    return this.prisma.consoleThroughputMinute.findMany({
      where: { minute: { gt: new Date(now - KEEP_MINUTES * MINUTE) } },
      select: { tenant: true, stage: true, minute: true, count: true },
    });
  }

  /**
   * The statement that saves `rows`: the larger count wins, because every replica counts every
   * event (adding would double them) and a restarted replica may hold less than was saved.
   */
  saveStatement(rows: ThroughputRow[]): Prisma.PrismaPromise<number> {
    return this.prisma.$executeRaw`
      INSERT INTO console_throughput_minutes (tenant, stage, minute, count)
      SELECT * FROM unnest(${rows.map((r) => r.tenant)}::text[], ${rows.map((r) => r.stage)}::text[],
                           ${rows.map((r) => r.minute)}::timestamptz[], ${rows.map((r) => r.count)}::int[])
      ON CONFLICT (tenant, stage, minute) DO UPDATE SET count = GREATEST(console_throughput_minutes.count, EXCLUDED.count)`;
  }

  /** Deletes minutes older than 24 hours before `now`; returns how many. */
  async prune(now: number): Promise<number> {
    const { count } = await this.prisma.consoleThroughputMinute.deleteMany({ where: { minute: { lte: new Date(now - KEEP_MINUTES * MINUTE) } } });
    return count;
  }
}
