// The "last successful register sync" tile: register-ingest announces each successful delta or
// full read as register.<tenant>.sync.completed. The console reads only that subject of the
// restricted REGISTER stream (a server-side filtered consumer) and keeps the newest per tenant.
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConsoleConfig } from '../config';
import { CONSOLE_CONFIG } from '../shared/prisma.provider';
import { JetStreamGateway } from '../stream-watch/jetstream-gateway';
import { toObservedEvent } from '../stream-watch/observed-event';

export const SYNC_COMPLETED_SUBJECT = 'register.*.sync.completed';

export interface RegisterSync {
  tenant: string;
  kind: 'delta' | 'full' | null;
  completedAt: string;
  changes: number | null;
}

/** Pure: the sync an observed `register.<tenant>.sync.completed` reports, or undefined when it names no valid time. */
export function toRegisterSync(event: { tenant: string | null; data: unknown }): RegisterSync | undefined {
  const data = (event.data && typeof event.data === 'object' ? event.data : {}) as Record<string, unknown>;
  const tenant = typeof data.tenant === 'string' && data.tenant ? data.tenant : event.tenant;
  const completedAt = typeof data.completedAt === 'string' ? Date.parse(data.completedAt) : NaN;
  if (!tenant || Number.isNaN(completedAt)) return undefined;
  return {
    tenant,
    kind: data.kind === 'delta' || data.kind === 'full' ? data.kind : null,
    completedAt: new Date(completedAt).toISOString(),
    changes: typeof data.changes === 'number' ? data.changes : null,
  };
}

@Injectable()
export class RegisterSyncService implements OnApplicationBootstrap {
  private readonly latest = new Map<string, RegisterSync>();
  private readyResolve!: () => void;
  private readonly readyPromise = new Promise<void>((resolve) => (this.readyResolve = resolve));

  constructor(
    private readonly gateway: JetStreamGateway,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  /** Resolves once the stored syncs are read and new ones are being received. */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  onApplicationBootstrap(): void {
    void this.gateway.watchSubject(
      'REGISTER',
      SYNC_COMPLETED_SUBJECT,
      (raw) => this.record(toRegisterSync(toObservedEvent(raw, this.config.NATS_NAMESPACE ?? ''))),
      () => this.readyResolve(),
    );
  }

  lastSync(tenant: string): RegisterSync | undefined {
    return this.latest.get(tenant);
  }

  tenants(): string[] {
    return [...this.latest.keys()];
  }

  private record(sync: RegisterSync | undefined): void {
    if (!sync) return;
    const known = this.latest.get(sync.tenant);
    // Redelivered or replayed older syncs never move the tile back.
    if (!known || Date.parse(known.completedAt) < Date.parse(sync.completedAt)) this.latest.set(sync.tenant, sync);
  }
}
