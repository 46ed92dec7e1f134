// The registers as the API serves them: in memory per tenant, written through to PostgreSQL before
// a change becomes visible. Every change runs through `mutate`, which serialises changes per
// tenant, stamps meta.modified from a clock that never goes backwards, persists, then tells the
// webhook notifier which resource types changed.
import { Logger } from '@nestjs/common';
import { ENTITY_PATHS, type EntityPath, RESOURCE_TYPE_OF, type ResourceType } from '@skolkonto/ss12000';
import { generateRegister, type RegisterData } from '../seed-register/generate-register';
import type {
  RegisterRepository,
  StoredDeletion,
  StoredDocument,
  TenantSeedState,
} from './register.repository';

export type RegisterDocument = Record<string, unknown> & {
  id: string;
  meta?: { created: string; modified: string };
};

export interface SimulatedTenant {
  id: string;
  name: string;
  municipalityCode: string;
}

export interface SeedSettings {
  seed: number;
  /** Persons per tenant id. */
  persons: Record<string, number>;
  schoolYearStart: number;
}

export interface ChangeSet {
  tenant: string;
  modified: { entity: EntityPath; id: string }[];
  deleted: { entity: EntityPath; id: string }[];
  /** meta.modified stamped on this change (ISO). */
  at: string;
}

export type ChangeListener = (change: ChangeSet) => void;

export class TenantRegister {
  readonly docs: Record<EntityPath, Map<string, RegisterDocument>> = {
    persons: new Map(),
    organisations: new Map(),
    groups: new Map(),
    duties: new Map(),
  };
  /** Sorted by (deletedAt, entity, id). */
  deletions: StoredDeletion[] = [];
  clock = 0;
  state?: TenantSeedState;
  private readonly sortedCache: Partial<Record<EntityPath, RegisterDocument[]>> = {};

  constructor(readonly tenant: SimulatedTenant) {}

  /** Every entity of a type, ordered by id (the paging order). */
  sorted(entity: EntityPath): RegisterDocument[] {
    let list = this.sortedCache[entity];
    if (!list) {
      list = [...this.docs[entity].values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      this.sortedCache[entity] = list;
    }
    return list;
  }

  invalidate(entity: EntityPath): void {
    delete this.sortedCache[entity];
  }

  counts(): Record<EntityPath, number> {
    return {
      persons: this.docs.persons.size,
      organisations: this.docs.organisations.size,
      groups: this.docs.groups.size,
      duties: this.docs.duties.size,
    };
  }
}

/** What a mutation may do; documents it returns are copies, changed only through `put`. */
export class MutationDraft {
  readonly puts = new Map<string, { entity: EntityPath; doc: RegisterDocument; rawMeta: boolean }>();
  readonly removes = new Map<string, { entity: EntityPath; id: string }>();

  constructor(readonly register: TenantRegister) {}

  get<T = RegisterDocument>(entity: EntityPath, id: string): T | undefined {
    const key = `${entity}:${id}`;
    if (this.removes.has(key)) return undefined;
    const pending = this.puts.get(key);
    const doc = pending?.doc ?? this.register.docs[entity].get(id);
    return doc ? (structuredClone(doc) as T) : undefined;
  }

  /** All current documents of a type, as copies (only for the small searches mutations need). */
  all<T = RegisterDocument>(entity: EntityPath, filter: (doc: RegisterDocument) => boolean): T[] {
    const out: T[] = [];
    for (const doc of this.register.docs[entity].values()) {
      if (filter(doc)) out.push(this.get<T>(entity, doc.id)!);
    }
    return out;
  }

  /** Stores a document; meta is stamped at commit unless `rawMeta` (tests serving odd records). */
  put(entity: EntityPath, doc: object, options: { rawMeta?: boolean } = {}): void {
    const d = doc as RegisterDocument;
    this.removes.delete(`${entity}:${d.id}`);
    this.puts.set(`${entity}:${d.id}`, { entity, doc: d, rawMeta: options.rawMeta ?? false });
  }

  remove(entity: EntityPath, id: string): void {
    this.puts.delete(`${entity}:${id}`);
    if (this.register.docs[entity].has(id)) this.removes.set(`${entity}:${id}`, { entity, id });
  }
}

export class RegisterStore {
  private readonly logger = new Logger(RegisterStore.name);
  private readonly registers = new Map<string, TenantRegister>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly listeners: ChangeListener[] = [];

  constructor(
    private readonly repository: RegisterRepository,
    private readonly tenants: SimulatedTenant[],
    private readonly settings: SeedSettings,
  ) {}

  /** Loads each tenant's register, seeding the ones that have none yet. */
  async init(options: { reseed?: boolean } = {}): Promise<void> {
    for (const tenant of this.tenants) {
      const register = new TenantRegister(tenant);
      this.registers.set(tenant.id, register);
      const loaded = options.reseed ? undefined : await this.repository.loadTenant(tenant.id);
      if (loaded?.state) {
        register.state = loaded.state;
        register.clock = loaded.state.clock;
        for (const d of loaded.documents) register.docs[d.entity].set(d.id, d.document as RegisterDocument);
        register.deletions = loaded.deletions;
        this.logger.log(`loaded register ${tenant.id}: ${JSON.stringify(register.counts())}`);
      } else {
        await this.reseed(tenant.id, {});
      }
    }
  }

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  tenantIds(): string[] {
    return [...this.registers.keys()];
  }

  register(tenant: string): TenantRegister | undefined {
    return this.registers.get(tenant);
  }

  /** Replaces a tenant's register with a freshly generated one (same inputs, same data). */
  async reseed(
    tenant: string,
    overrides: { seed?: number; persons?: number; schoolYearStart?: number },
  ): Promise<TenantRegister> {
    const register = this.registers.get(tenant);
    if (!register) throw new Error(`unknown tenant ${tenant}`);
    return this.serialise(tenant, async () => {
      const seed = overrides.seed ?? this.settings.seed;
      const persons = overrides.persons ?? this.settings.persons[tenant] ?? 100;
      const schoolYearStart = overrides.schoolYearStart ?? this.settings.schoolYearStart;
      const started = Date.now();
      const data = generateRegister({
        tenantId: tenant,
        tenantName: register.tenant.name,
        municipalityCode: register.tenant.municipalityCode,
        seed,
        persons,
        schoolYearStart,
      });
      const documents = toDocuments(data);
      const clock = Math.max(Date.now(), ...documents.map((d) => d.modified));
      const state: TenantSeedState = { seed, persons, schoolYearStart, seededAt: new Date(), clock };
      await this.repository.replaceTenant(tenant, state, documents);
      for (const entity of ENTITY_PATHS) {
        register.docs[entity].clear();
        register.invalidate(entity);
      }
      for (const d of documents) register.docs[d.entity].set(d.id, d.document as RegisterDocument);
      register.deletions = [];
      register.clock = clock;
      register.state = state;
      this.logger.log(
        `seeded register ${tenant} (seed ${seed}, ${persons} persons) in ${Date.now() - started} ms: ${JSON.stringify(register.counts())}`,
      );
      return register;
    });
  }

  /**
   * Runs one change against a tenant's register. `change` edits a draft; at commit every put gets
   * meta.modified = one new clock tick (strictly after every earlier one), deletions are recorded
   * for /deletedEntities, the rows are written, and listeners hear about it.
   */
  async mutate<T>(
    tenant: string,
    change: (draft: MutationDraft) => T | Promise<T>,
  ): Promise<{ result: T; change: ChangeSet }> {
    const register = this.registers.get(tenant);
    if (!register) throw new Error(`unknown tenant ${tenant}`);
    const outcome = await this.serialise(tenant, async () => {
      const draft = new MutationDraft(register);
      const result = await change(draft);
      const now = Math.max(Date.now(), register.clock + 1);
      const at = new Date(now).toISOString();
      const upserts: StoredDocument[] = [];
      for (const { entity, doc, rawMeta } of draft.puts.values()) {
        if (!rawMeta) {
          const previous = register.docs[entity].get(doc.id);
          doc.meta = { created: previous?.meta?.created ?? at, modified: at };
        }
        upserts.push({ entity, id: doc.id, document: doc, modified: now });
      }
      const deletions: StoredDeletion[] = [...draft.removes.values()].map((r) => ({ ...r, deletedAt: now }));
      await this.repository.applyChanges(tenant, upserts, deletions, now);
      for (const u of upserts) {
        register.docs[u.entity].set(u.id, u.document as RegisterDocument);
        register.invalidate(u.entity);
      }
      const deletedKeys = new Set(deletions.map((d) => `${d.entity}:${d.id}`));
      const revived = new Set(upserts.map((u) => `${u.entity}:${u.id}`));
      register.deletions = register.deletions.filter(
        (d) => !deletedKeys.has(`${d.entity}:${d.id}`) && !revived.has(`${d.entity}:${d.id}`),
      );
      for (const d of deletions) {
        register.docs[d.entity].delete(d.id);
        register.invalidate(d.entity);
        register.deletions.push(d);
      }
      register.clock = now;
      const changeSet: ChangeSet = {
        tenant,
        at,
        modified: upserts.map((u) => ({ entity: u.entity, id: u.id })),
        deleted: deletions.map((d) => ({ entity: d.entity, id: d.id })),
      };
      return { result, change: changeSet };
    });
    if (outcome.change.modified.length + outcome.change.deleted.length > 0) {
      for (const listener of this.listeners) listener(outcome.change);
    }
    return outcome;
  }

  private serialise<T>(tenant: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(tenant) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.queues.set(
      tenant,
      next.catch(() => undefined),
    );
    return next;
  }
}

export function resourceTypesOf(entries: { entity: EntityPath }[]): ResourceType[] {
  return [...new Set(entries.map((e) => RESOURCE_TYPE_OF[e.entity]))];
}

function toDocuments(data: RegisterData): StoredDocument[] {
  const out: StoredDocument[] = [];
  for (const entity of ENTITY_PATHS) {
    for (const doc of data[entity] as unknown as RegisterDocument[]) {
      out.push({ entity, id: doc.id, document: doc, modified: Date.parse(doc.meta!.modified) });
    }
  }
  return out;
}
