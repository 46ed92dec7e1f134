// Listens to every event of the run's namespace as it is published (a core NATS subscription on
// `<namespace>.>`, so nothing is consumed from the apps' durable consumers) and records when each
// arrived. Stage throughput and change latency are computed from these arrival times. Register
// events carry civic numbers: only their subject and entity id are kept, never their payload.
import { connect, type NatsConnection, type Subscription } from 'nats';

export interface Arrival {
  at: number;
  version: number;
}

export interface IdentityState {
  identityId: string;
  tenant: string;
  personId?: string;
  status: string;
  protected: boolean;
  student: boolean;
  /** Arrival of each identity event. */
  events: Arrival[];
  /** directory.<t>.account.<provisioned|updated|moved|disabled|enabled> arrivals. */
  directory: Arrival[];
  /** federation.<t>.attributes.published arrivals. */
  published: Arrival[];
}

export interface StageWindow {
  events: number;
  first: number;
  last: number;
}

const decoder = new TextDecoder();

export class EventTap {
  readonly identities = new Map<string, IdentityState>();
  /** Arrival times of each register person's upserts (by register person id). */
  readonly registerPersons = new Map<string, number[]>();
  /** Per `<domain>.<entity>.<verb>`: count and first/last arrival (ms, performance.now()). */
  readonly windows = new Map<string, StageWindow>();
  private subscription?: Subscription;
  private connection?: NatsConnection;
  private done?: Promise<void>;

  constructor(
    private readonly natsUrl: string,
    private readonly namespace: string,
  ) {}

  async start(): Promise<void> {
    this.connection = await connect({ servers: this.natsUrl, name: 'skolkonto-bench-tap' });
    this.subscription = this.connection.subscribe(`${this.namespace}.>`);
    const subscription = this.subscription;
    this.done = (async () => {
      for await (const message of subscription) this.record(message.subject, message.data);
    })();
    await this.connection.flush();
  }

  private record(subject: string, data: Uint8Array): void {
    const at = performance.now();
    const [domain, tenant, entity, verb] = subject.slice(this.namespace.length + 1).split('.');
    const key = `${domain}.${entity}.${verb}`;
    const window = this.windows.get(key);
    if (window) {
      window.events++;
      window.last = at;
    } else this.windows.set(key, { events: 1, first: at, last: at });

    if (domain === 'register') {
      if (entity === 'person' && verb === 'upserted') {
        const id = /"subject"\s*:\s*"([^"]+)"/.exec(decoder.decode(data))?.[1];
        if (id) {
          const arrivals = this.registerPersons.get(id);
          if (arrivals) arrivals.push(at);
          else this.registerPersons.set(id, [at]);
        }
      }
      return;
    }
    if (domain !== 'identity' && domain !== 'directory' && domain !== 'federation') return;
    let event: { data?: Record<string, unknown> };
    try {
      event = JSON.parse(decoder.decode(data)) as { data?: Record<string, unknown> };
    } catch {
      return;
    }
    const d = event.data ?? {};
    const identityId = typeof d.identityId === 'string' ? d.identityId : undefined;
    if (!identityId) return;
    const state = this.identity(identityId, tenant ?? '');
    if (domain === 'identity' && entity === 'person') {
      state.events.push({ at, version: Number(d.version) });
      state.status = String(d.status);
      const names = d.names as { protected?: boolean } | undefined;
      state.protected = Boolean(names?.protected);
      state.student = Array.isArray(d.affiliations) && d.affiliations.includes('student');
      const refs = (d.sourceRefs ?? []) as Array<{ entity?: string; id?: string }>;
      state.personId = refs.find((r) => r.entity === 'Person')?.id ?? state.personId;
    } else if (domain === 'directory' && entity === 'account' && verb !== 'failed' && verb !== 'claimed') {
      state.directory.push({ at, version: Number(d.identityVersion) });
    } else if (domain === 'federation' && entity === 'attributes' && verb === 'published') {
      state.published.push({ at, version: Number(d.identityVersion) });
    }
  }

  private identity(identityId: string, tenant: string): IdentityState {
    let state = this.identities.get(identityId);
    if (!state) {
      state = {
        identityId,
        tenant,
        status: 'unknown',
        protected: false,
        student: false,
        events: [],
        directory: [],
        published: [],
      };
      this.identities.set(identityId, state);
    }
    return state;
  }

  count(key: string): number {
    return this.windows.get(key)?.events ?? 0;
  }

  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    await this.done;
    await this.connection?.close();
  }
}
