// Applies planned operations to AD and records each result (account link, name reservation,
// directory.* event through the outbox) in one transaction per step. Every step re-reads AD first,
// so applying an operation twice, or again after AD came back mid-batch, changes nothing twice.
import { Logger } from '@nestjs/common';
import {
  DirectoryError,
  GROUP_TYPE_GLOBAL_SECURITY,
  LdapDirectory,
  UAC_DISABLED,
  UAC_ENABLED,
  andFilter,
  attributeBuffer,
  attributeString,
  attributeStrings,
  childDn,
  equalsFilter,
  generateStrongPassword,
  orFilter,
  guidBaseDn,
  guidToString,
  isAccountDisabled,
  isDnWithin,
  normalizeDn,
  parentDn,
  toUnicodePwd,
  type DirectoryEntry,
} from '@skolkonto/directory';
import { generateAccountNameCandidates, toUserPrincipalName } from '@skolkonto/domain';
import type { PrismaClient } from '@skolkonto/persistence';
import { EnsureLayoutService } from '../directory-layout/ensure-layout.service';
import { TenantLayout } from '../directory-layout/tenant-layout';
import { accountCn, CORRELATION_ATTRIBUTE, legacyGroupSamAccountName, type DesiredAccount, type DesiredGroup } from '../provision-account/desired-account';
import { valuesForAdd, type DirectoryValues } from '../write-federation-attributes/directory-attribute-values';
import { DirectoryMappingError, FederationAttributeWriter, isAttributeRefusal, type StoredDirectoryValues } from '../write-federation-attributes/federation-attribute-writer';
import type { PlannedOperation } from './planned-operation';
import { assignAccountNames } from './assign-account-names';
import { EVENTS, enqueueProvisionerEvent, enqueueProvisionerEvents } from './provisioner-events';
import { runConcurrently } from './run-concurrently';
import { DEFAULT_RETRY, RetryPolicy, withRetry } from './with-retry';

export const ACCOUNT_ATTRIBUTES = [
  'objectGUID',
  'sAMAccountName',
  'userPrincipalName',
  'givenName',
  'sn',
  'displayName',
  CORRELATION_ATTRIBUTE,
  'userAccountControl',
  'memberOf',
  'cn',
];

export interface ExecutorOptions {
  /** The DN searched for sAMAccountName collisions (the whole domain). */
  domainDn: string;
  /** Set pwdLastSet=0 so the person must choose a new password at first logon. */
  mustChangePassword: boolean;
  retry?: RetryPolicy;
  maxNameAttempts?: number;
  /** Identities applied at the same time (their own operations stay in order). Default 4. */
  concurrency?: number;
  /**
   * random: enabled with a random strong password in the same add (default). none: created without
   * a password, which AD keeps disabled until the first password is set (e.g. by a claim flow).
   */
  initialPassword?: 'random' | 'none';
  /**
   * How long a new account's group memberships may wait while its tenant has more work queued (0:
   * written with the account's batch). Each member modify is a whole directory transaction, and a
   * first load adds people in no class order: a batch of 200 holds about one member per class group.
   * Waiting, they go in together: a group once it has many waiting, the whole tenant's as soon as
   * it has nothing more queued, and at the latest after this long.
   */
  groupMembershipDelayMs?: number;
}

/** Which waiting memberships to write: every group, the groups with many waiting, or those of some identities. */
export type PendingMembersScope = 'all' | 'full' | { identityIds: readonly string[] };

export interface ExecutionResult {
  applied: number;
  failed: number;
  skipped: number;
}

type PendingMembers = Map<string, { group: DesiredGroup; members: Array<{ dn: string; op: PlannedOperation }> }>;

const MEMBERS_PER_MODIFY = 500;
/** A group whose waiting members reach this many gets them at the end of the batch (a modify's fixed cost, spread thin). */
const MEMBERS_WORTH_A_MODIFY = 50;
/** New accounts read back and recorded together while later adds go on. */
const RECORD_CHUNK = 50;

/** A failure that must not be retried (constraint, boundary, invalid name): recorded, not thrown. */
class PermanentFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class OperationExecutor {
  private readonly retry: RetryPolicy;
  private readonly federationValues: FederationAttributeWriter;
  private readonly logger = new Logger(OperationExecutor.name);
  /** Identity batches of a tenant queued or running (the batcher's count, including the caller's own). */
  backlogOf: (tenant: string) => number = () => 0;
  /** One writer of waiting memberships per tenant at a time in this process (two would add the same values twice). */
  private readonly pendingWrites = new Map<string, Promise<unknown>>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly directory: LdapDirectory,
    private readonly layoutService: EnsureLayoutService,
    private readonly options: ExecutorOptions,
  ) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.federationValues = new FederationAttributeWriter(prisma, directory, this.retry);
  }

  /**
   * Applies the operations in order. A permanent failure of one identity's operation is published
   * as directory.account.failed and skips that identity's remaining operations; a transient failure
   * that outlasts the retries is thrown so the whole batch is tried again later (idempotently).
   */
  async execute(layout: TenantLayout, operations: PlannedOperation[]): Promise<ExecutionResult> {
    const result: ExecutionResult = { applied: 0, failed: 0, skipped: 0 };
    await withRetry(() => this.layoutService.ensureLayout(layout), this.retry);
    // A later operation of an identity whose memberships still wait compares with AD: write them first.
    if (this.defersMemberships && operations.length > 0) {
      await this.writePendingMembers(layout, { identityIds: [...new Set(operations.map((op) => op.identityId))] });
    }
    // One lane per identity: its operations run in order, different identities side by side.
    const lanes = new Map<string, PlannedOperation[]>();
    for (const op of operations) {
      const lane = lanes.get(op.identityId) ?? [];
      lane.push(op);
      lanes.set(op.identityId, lane);
    }
    const pendingMembers: PendingMembers = new Map();
    // New accounts go through the batch path (names reserved together, adds across all pooled
    // connections, read-back and recording per chunk); whatever it cannot settle joins the lanes.
    const isNewAccount = (lane: PlannedOperation[]) => lane.length === 1 && lane[0]!.action === 'create' && !lane[0]!.adoptDn;
    const creates = [...lanes.values()].filter(isNewAccount).map((lane) => lane[0]!);
    const queue = [...lanes.values()].filter((lane) => !isNewAccount(lane));
    try {
      if (creates.length > 0) {
        const leftOver = await this.createBatch(layout, creates, result);
        queue.unshift(...leftOver.map((op) => [op]));
      }
      const worker = async () => {
        for (let lane = queue.shift(); lane; lane = queue.shift()) {
          for (let i = 0; i < lane.length; i++) {
            const op = lane[i]!;
            try {
              let attempt = 0;
              await withRetry(() => this.apply(layout, op, ++attempt, pendingMembers), this.retry);
              result.applied += 1;
            } catch (error) {
              const permanent = toPermanent(error);
              if (!permanent) throw error;
              result.failed += 1;
              result.skipped += lane.length - i - 1;
              await this.recordFailure(layout, op, permanent);
              break;
            }
          }
        }
      };
      const workers = Array.from({ length: Math.max(1, Math.min(this.concurrency, queue.length)) }, () => worker);
      await Promise.all(workers.map((w) => w()));
    } catch (error) {
      // The accounts recorded so far get their group memberships now if AD allows (best effort: it
      // may still be away); the retried batch compares them with AD and adds what is still missing.
      await this.flushMembers(layout, pendingMembers).catch(() => undefined);
      throw error;
    }
    await this.flushMembers(layout, pendingMembers);
    return result;
  }

  private get concurrency(): number {
    return Math.max(1, this.options.concurrency ?? 4);
  }

  private get defersMemberships(): boolean {
    return (this.options.groupMembershipDelayMs ?? 0) > 0;
  }

  get groupMembershipDelayMs(): number {
    return this.options.groupMembershipDelayMs ?? 0;
  }

  // ---- batch create -------------------------------------------------------------------------------

  /**
   * Creates new accounts for a batch: one query for the links, one for the name reservations and one
   * insert reserving every chosen name (committed before any add), the adds spread over the pool,
   * then per 50 added accounts one search reading them back and one transaction recording links and
   * events (while later adds go on), and the group memberships per group.
   * Returns the operations that need the one-by-one path (a returning account that may still exist,
   * a name taken in AD or by a concurrent replica, our own add found by an earlier attempt).
   */
  private async createBatch(layout: TenantLayout, ops: PlannedOperation[], result: ExecutionResult): Promise<PlannedOperation[]> {
    const slow: PlannedOperation[] = [];
    const items: Array<{ op: PlannedOperation; desired: DesiredAccount; previousName?: string }> = [];
    const links = new Map(
      (await this.prisma.accountLink.findMany({ where: { tenant: layout.id, identityId: { in: ops.map((op) => op.identityId) } } })).map((l) => [l.identityId, l]),
    );
    for (const op of ops) {
      let desired: DesiredAccount;
      try {
        desired = requireDesired(op);
        assertTenant(layout, desired);
      } catch (error) {
        const permanent = toPermanent(error);
        if (!permanent) throw error;
        result.failed += 1;
        await this.recordFailure(layout, op, permanent);
        continue;
      }
      const link = links.get(op.identityId);
      // A live link means an earlier attempt created it; an approved (not fresh) plan looks for an
      // account to adopt first: both one by one.
      if ((link && !link.deletedAt) || !op.freshlyPlanned) slow.push(op);
      else items.push({ op, desired, previousName: link?.sAMAccountName });
    }
    if (items.length === 0) return slow;

    // The person's published federation attributes go into the add when they came first.
    const [names, stored] = await Promise.all([
      this.reserveNames(layout, items),
      this.federationValues.storedFor(layout.id, items.map((item) => item.op.identityId)),
    ]);
    const toAdd: Array<{ op: PlannedOperation; desired: DesiredAccount; sam: string; dn: string }> = [];
    for (const item of items) {
      const sam = names.get(item.op.identityId);
      if (!sam) {
        slow.push(item.op);
        continue;
      }
      toAdd.push({ ...item, sam, dn: layout.guard(childDn('CN', accountCn(item.desired.displayName, sam), item.desired.ouDn)) });
    }
    // The school units' OUs the batch needs, side by side (a new tenant's first batch has several).
    const ous = [...new Map(toAdd.map((item) => [normalizeDn(item.desired.ouDn), item.desired.ouDn])).values()];
    await runConcurrently(ous, this.concurrency, (ouDn) => withRetry(() => this.layoutService.ensureChildOu(layout, ouDn), this.retry));
    // federation-publisher works on the same identities side by side: in a first load many values
    // are published while the batch is adding. Accounts whose values are stored go first, and the
    // others' are looked up again as their turn comes, so most adds carry them: a modify after the
    // add costs the directory a second write of the account.
    toAdd.sort((a, b) => Number(!stored.has(a.op.identityId)) - Number(!stored.has(b.op.identityId)));
    const federation = new Map<string, StoredDirectoryValues>(); // the values each add carried
    const started = new Set<string>();
    const storedValuesOf = this.throttledLookup(async () => {
      const waiting = toAdd.map((item) => item.op.identityId).filter((id) => !started.has(id) && !stored.has(id));
      for (const [identityId, values] of await this.federationValues.storedFor(layout.id, waiting)) stored.set(identityId, values);
    }, stored);

    const foundOwn: Array<{ op: PlannedOperation; desired: DesiredAccount; entry: DirectoryEntry }> = [];
    // Set by the first failure that is not one account's own (AD away, database error): no further
    // adds start, what was added is still recorded, then the batch is retried as a whole.
    let fatal: unknown;
    // Added accounts are read back and recorded a chunk at a time while the other adds go on.
    const recordings: Array<Promise<void>> = [];
    const record = (added: typeof toAdd) => {
      recordings.push(
        (async () => {
          const entries = await this.readBack(layout, added);
          const created = added.flatMap((item) => {
            const entry = entries.get(item.sam.toLowerCase());
            return entry ? [{ ...item, entry }] : [];
          });
          await this.recordCreated(layout, created, links, this.defersMemberships);
          result.applied += created.length;
          if (created.length < added.length) throw new DirectoryError('UNAVAILABLE', 'new accounts could not be read back');
        })().catch((error: unknown) => {
          fatal ??= error;
        }),
      );
    };
    // A new account is in no group yet: its member values are added per group for the whole batch
    // (with the group's add when it is new), one modify per group instead of one per account and group.
    const members: PendingMembers = new Map();
    let chunk: typeof toAdd = [];
    await runConcurrently(toAdd, this.concurrency, async (item) => {
      if (fatal) return;
      try {
        const values = await storedValuesOf(item.op.identityId);
        started.add(item.op.identityId);
        if (values) federation.set(item.op.identityId, values);
        if ((await this.addAccount(layout, item.dn, item.desired, item.sam, values?.values)) === 'without-federation') {
          federation.delete(item.op.identityId);
        }
        if (!this.defersMemberships) for (const group of item.desired.groups) this.defer(members, group, item.dn, item.op);
        chunk.push(item);
        if (chunk.length >= RECORD_CHUNK) {
          record(chunk);
          chunk = [];
        }
      } catch (error) {
        try {
          if (error instanceof DirectoryError && error.code === 'ALREADY_EXISTS') {
            // Our own add that went through before a connection dropped, or a name taken somewhere
            // we cannot see: adopt in the first case, the next candidate one by one in the second.
            const mine = await withRetry(() => this.findOwnAdd(layout, item.sam, item.desired.registerPersonId), this.retry);
            if (mine) foundOwn.push({ ...item, entry: mine });
            else slow.push(item.op);
            return;
          }
          const permanent = toPermanent(error);
          if (!permanent) throw error;
          result.failed += 1;
          await this.recordFailure(layout, item.op, permanent);
        } catch (other) {
          fatal ??= other;
        }
      }
    });
    if (chunk.length > 0) record(chunk);
    await Promise.all([
      ...recordings,
      this.flushMembers(layout, members).catch((error: unknown) => {
        fatal ??= error;
      }),
      this.recordCreated(layout, foundOwn, links).catch((error: unknown) => {
        fatal ??= error;
      }),
    ]);
    if (fatal) throw fatal;
    if (this.defersMemberships) {
      // Recorded with the links, so nothing is lost if AD is away now: the scheduler writes them later.
      await this.writePendingMembers(layout, this.backlogOf(layout.id) > 1 ? 'full' : 'all').catch((error: unknown) => {
        if (toPermanent(error)) throw error;
        this.logger.warn({ tenant: layout.id, error: error instanceof Error ? error.message : String(error), msg: 'group memberships of new accounts wait for AD' });
      });
    }
    await this.catchUpFederationValues(layout, toAdd.map((item) => item.op.identityId), federation);
    for (const { op, desired, entry } of foundOwn) {
      try {
        await withRetry(() => this.converge(layout, desired, entry, op), this.retry);
        result.applied += 1;
      } catch (error) {
        const permanent = toPermanent(error);
        if (!permanent) throw error;
        result.failed += 1;
        await this.recordFailure(layout, op, permanent);
      }
    }
    return slow;
  }

  /**
   * The stored federation values of an identity; when it has none yet, `reload` looks again for all
   * that wait, at most once a second however many adds ask (one query, not one per account).
   */
  private throttledLookup(reload: () => Promise<void>, stored: Map<string, StoredDirectoryValues>): (identityId: string) => Promise<StoredDirectoryValues | undefined> {
    let lastReload = Number.NEGATIVE_INFINITY;
    let reloading: Promise<void> | undefined;
    return async (identityId) => {
      if (!stored.has(identityId)) {
        if (!reloading && performance.now() - lastReload >= 1000) {
          reloading = reload().finally(() => {
            lastReload = performance.now();
            reloading = undefined;
          });
        }
        await reloading;
      }
      return stored.get(identityId);
    };
  }

  /**
   * Reserves a name for each item: candidates for all of them checked in one query, the chosen ones
   * checked against AD (the whole domain, any letter case) in a few searches and replaced while
   * taken there, then inserted in one statement; a name another identity won meanwhile is taken,
   * and its loser chooses again. AD's own check in the add stays the last word (68, then one by one).
   */
  private async reserveNames(layout: TenantLayout, items: Array<{ op: PlannedOperation; desired: DesiredAccount; previousName?: string }>): Promise<Map<string, string>> {
    const maxCandidates = Math.max(1, this.options.maxNameAttempts ?? 200);
    // Namesakes in one batch need that many candidates more, and some may be taken in AD.
    const firstCandidates = items.map((item) => this.nameCandidates(layout, item.desired).next().value as string);
    const namesakes = new Map<string, number>();
    for (const first of firstCandidates) namesakes.set(first, (namesakes.get(first) ?? 0) + 1);
    const requests: CandidateList[] = items.map((item, i) => {
      const list: CandidateList = { identityId: item.op.identityId, candidates: [], more: this.nameCandidates(layout, item.desired, item.previousName) };
      extendCandidates(list, Math.min(maxCandidates, namesakes.get(firstCandidates[i]!)! + 24));
      return list;
    });
    const reserved = new Map<string, string>();
    // Taken = reserved for another identity, or existing in AD (then held by no identity of ours,
    // unless the account carries one's register person id: another replica's batch added it).
    const taken = new Map<string, string>();
    const lookUpReservations = async (names: string[]) => {
      for (let i = 0; i < names.length; i += 5000) {
        const rows = await this.prisma.nameReservation.findMany({ where: { nameLower: { in: names.slice(i, i + 5000) } }, select: { nameLower: true, identityId: true } });
        for (const row of rows) {
          reserved.set(row.nameLower, row.identityId);
          if (!taken.has(row.nameLower)) taken.set(row.nameLower, row.identityId);
        }
      }
    };
    await lookUpReservations([...new Set(requests.flatMap((r) => r.candidates.map((c) => c.toLowerCase())))]);
    const identityOfPerson = new Map(items.map((item) => [item.desired.registerPersonId, item.op.identityId]));
    const checkedInAd = new Set<string>();
    const reservedNow = new Map<string, string>();
    // How many candidates past its choice each identity has looked up in AD together with it.
    const lookahead = new Map<string, number>();
    let pending = requests;
    // A name that a concurrent batch (another tenant's, or this tenant's other one) won meanwhile
    // is taken like any other: those identities choose again, a few rounds, before the slow path.
    for (let attempt = 0; attempt < 4 && pending.length > 0; attempt++) {
      let chosen = assignAccountNames(pending, taken);
      for (let round = 0; round < 16; round++) {
        // Whoever found all their candidates taken gets twice as many (up to maxNameAttempts).
        const grown = pending.filter((r) => !chosen.has(r.identityId) && r.candidates.length < maxCandidates);
        const added = grown.flatMap((r) => extendCandidates(r, Math.min(maxCandidates, r.candidates.length * 2)));
        if (added.length > 0) {
          await lookUpReservations(added.map((name) => name.toLowerCase()).filter((name) => !reserved.has(name)));
          chosen = assignAccountNames(pending, taken);
        }
        // An identity whose choice was taken in AD looks up the candidates after its next choice as
        // well, twice as many each round: a long run of taken names (a common name, years of names
        // never handed out again) costs a few searches, not one search and one refused add per name.
        const toCheck = new Set<string>();
        for (const request of pending) {
          const name = chosen.get(request.identityId)?.toLowerCase();
          if (name === undefined || checkedInAd.has(name)) continue;
          const ahead = lookahead.get(request.identityId) ?? 0;
          const from = request.candidates.findIndex((c) => c.toLowerCase() === name);
          extendCandidates(request, Math.min(maxCandidates, from + 1 + ahead));
          for (const candidate of request.candidates.slice(from, from + 1 + ahead)) {
            const lower = candidate.toLowerCase();
            if (!checkedInAd.has(lower) && !taken.has(lower)) toCheck.add(lower);
          }
          lookahead.set(request.identityId, Math.min(64, Math.max(4, ahead * 2)));
        }
        if (toCheck.size === 0) break;
        const inAd = await this.existingAccountNames([...toCheck]);
        for (const name of toCheck) checkedInAd.add(name);
        for (const [name, personId] of inAd) taken.set(name, (personId && identityOfPerson.get(personId)) || '');
        chosen = assignAccountNames(pending, taken);
      }
      const fresh = [...chosen].filter(([identityId, name]) => reserved.get(name.toLowerCase()) !== identityId);
      // Committed before any add, and only one identity can win a name: never handed out twice.
      // One statement with array parameters: far cheaper than a generated multi-row insert. Rows go
      // in name order, so two batches inserting overlapping names wait for each other instead of
      // deadlocking (each holding a name the other wants next).
      const inserted = new Set(
        fresh.length === 0
          ? []
          : (
              await this.prisma.$queryRawUnsafe<Array<{ name_lower: string }>>(
                `INSERT INTO name_reservations (name_lower, name, tenant, identity_id)
                   SELECT l, n, $1, i FROM unnest($2::text[], $3::text[], $4::uuid[]) AS r(l, n, i) ORDER BY l
                 ON CONFLICT (name_lower) DO NOTHING RETURNING name_lower`,
                layout.id,
                fresh.map(([, name]) => name.toLowerCase()),
                fresh.map(([, name]) => name),
                fresh.map(([identityId]) => identityId),
              )
            ).map((row) => row.name_lower),
      );
      // A name won meanwhile may have been won for the same identity, by another replica's batch
      // holding another version of it: then it is this identity's name too (the add meets the other's
      // account and adopts it). Choosing another would give the person a second account.
      const lost = fresh.map(([, name]) => name.toLowerCase()).filter((name) => !inserted.has(name));
      if (lost.length > 0) await lookUpReservations(lost);
      for (const [identityId, name] of chosen) {
        const lower = name.toLowerCase();
        if (reserved.get(lower) === identityId || inserted.has(lower)) {
          reservedNow.set(identityId, name);
          taken.set(lower, identityId);
        } else {
          taken.set(lower, reserved.get(lower) ?? ''); // won by someone else meanwhile
        }
      }
      pending = pending.filter((request) => chosen.has(request.identityId) && !reservedNow.has(request.identityId));
    }
    return reservedNow;
  }

  /**
   * Which of these (lower-case) sAMAccountNames exist anywhere in the domain, each with the register
   * person id its account carries ('' for none): one search per 200.
   */
  private async existingAccountNames(names: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (let i = 0; i < names.length; i += 200) {
      const filter = orFilter(...names.slice(i, i + 200).map((name) => equalsFilter('sAMAccountName', name)));
      const entries = await withRetry(() => this.directory.search(this.options.domainDn, { filter, attributes: ['sAMAccountName', CORRELATION_ATTRIBUTE] }), this.retry);
      for (const entry of entries) found.set(attributeString(entry, 'sAMAccountName').toLowerCase(), attributeString(entry, CORRELATION_ATTRIBUTE));
    }
    return found;
  }

  /**
   * Adds a new account, with the person's published federation values when there are any. Should AD
   * refuse the add for those (a mapping naming an attribute the schema lacks), the account is added
   * without them: a bad mapping must not keep people from their accounts. Writing them later then
   * reports the mapping error.
   */
  private async addAccount(layout: TenantLayout, dn: string, desired: DesiredAccount, sam: string, federation?: DirectoryValues): Promise<'with-federation' | 'without-federation'> {
    const extra = valuesForAdd(federation);
    try {
      await withRetry(() => this.directory.add(dn, { ...extra, ...this.newAccountAttributes(layout, desired, sam) }), this.retry);
      return 'with-federation';
    } catch (error) {
      if (!isAttributeRefusal(error) || Object.keys(extra).length === 0) throw error;
      await withRetry(() => this.directory.add(dn, this.newAccountAttributes(layout, desired, sam)), this.retry);
      return 'without-federation';
    }
  }

  /**
   * Federation values stored after the batch read them (published while the accounts were being
   * added), or dropped from an add AD refused with them, are written now that the accounts are linked. A mapping AD
   * refuses is logged for the operator and does not fail the accounts.
   */
  private async catchUpFederationValues(layout: TenantLayout, identityIds: string[], usedInAdd: ReadonlyMap<string, StoredDirectoryValues>): Promise<void> {
    const now = await this.federationValues.storedFor(layout.id, identityIds);
    const behind = [...now].filter(([identityId, stored]) => {
      const used = usedInAdd.get(identityId);
      return !used || used.identityVersion !== stored.identityVersion || JSON.stringify(used.values) !== JSON.stringify(stored.values);
    });
    await runConcurrently(behind, this.concurrency, async ([identityId]) => {
      await this.syncFederationValues(layout, identityId);
    });
  }

  private newAccountAttributes(layout: TenantLayout, desired: DesiredAccount, sam: string) {
    const withPassword = (this.options.initialPassword ?? 'random') === 'random';
    return {
      objectClass: ['top', 'person', 'organizationalPerson', 'user'],
      sAMAccountName: sam,
      userPrincipalName: toUserPrincipalName(sam, layout.tenant.directory.upnSuffix),
      givenName: desired.givenName,
      sn: desired.sn,
      displayName: desired.displayName,
      [CORRELATION_ATTRIBUTE]: desired.registerPersonId,
      // The password exists only inside this request: never stored, never logged.
      ...(withPassword ? { unicodePwd: toUnicodePwd(generateStrongPassword()), userAccountControl: UAC_ENABLED } : {}),
      ...(withPassword && this.options.mustChangePassword ? { pwdLastSet: '0' } : {}),
    };
  }

  /** The new accounts (objectGUID, final DN, state) in one search per 100 names (sAMAccountName is indexed). */
  private async readBack(layout: TenantLayout, added: ReadonlyArray<{ sam: string }>): Promise<Map<string, DirectoryEntry>> {
    const out = new Map<string, DirectoryEntry>();
    for (let i = 0; i < added.length; i += 100) {
      const filter = andFilter('(objectClass=user)', orFilter(...added.slice(i, i + 100).map((a) => equalsFilter('sAMAccountName', a.sam))));
      const entries = await withRetry(() => this.directory.search(layout.rootDn, { filter, attributes: ACCOUNT_ATTRIBUTES }), this.retry);
      for (const entry of entries) out.set(attributeString(entry, 'sAMAccountName').toLowerCase(), entry);
    }
    return out;
  }

  /** Links and directory.account.provisioned events of many new accounts in one transaction. */
  private async recordCreated(
    layout: TenantLayout,
    created: ReadonlyArray<{ desired: DesiredAccount; entry: DirectoryEntry }>,
    links: ReadonlyMap<string, { deletedAt: Date | null }>,
    withPendingMembers = false,
  ): Promise<void> {
    if (created.length === 0) return;
    const rows = created.map(({ desired, entry }) => ({ of: desired, ...this.linkData(layout, desired, entry) }));
    await this.prisma.$transaction(async (tx) => {
      if (withPendingMembers) {
        // By objectGUID (<GUID=…>): right even if the account is renamed or moved before they are
        // written. One statement with array parameters, as for name reservations.
        const waiting = rows.flatMap(({ of: desired, objectGuid }) =>
          desired.groups.map((group) => ({ group, identityId: desired.identityId, version: desired.identityVersion, member: `<GUID=${objectGuid}>` })),
        );
        if (waiting.length > 0) {
          await tx.$executeRawUnsafe(
            `INSERT INTO pending_group_members (tenant, group_key, "group", identity_id, identity_version, member)
               SELECT $1, k, g::jsonb, i, v, m FROM unnest($2::text[], $3::text[], $4::uuid[], $5::int[], $6::text[]) AS w(k, g, i, v, m)
             ON CONFLICT DO NOTHING`,
            layout.id,
            waiting.map((w) => normalizeDn(w.group.dn)),
            waiting.map((w) => JSON.stringify(w.group)),
            waiting.map((w) => w.identityId),
            waiting.map((w) => w.version),
            waiting.map((w) => w.member),
          );
        }
      }
      const fresh = rows.filter((r) => !links.has(r.of.identityId));
      if (fresh.length > 0) {
        await tx.accountLink.createMany({
          data: fresh.map(({ of: desired, ...data }) => ({ tenant: layout.id, identityId: desired.identityId, ...data })),
          skipDuplicates: true,
        });
      }
      // A returning person (deleted link) or a link written meanwhile by another replica.
      for (const { desired, ...data } of rows.filter((r) => links.has(r.of.identityId))) {
        await tx.accountLink.update({ where: { tenant_identityId: { tenant: layout.id, identityId: desired.identityId } }, data });
      }
      await enqueueProvisionerEvents(
        tx,
        EVENTS.directoryAccountProvisioned,
        layout.id,
        rows.map(({ of: desired, ...data }) => ({
          identityId: desired.identityId,
          tenant: layout.id,
          identityVersion: desired.identityVersion,
          accountId: data.objectGuid,
          sAMAccountName: data.sAMAccountName,
          userPrincipalName: data.upn,
          distinguishedName: data.dn,
          enabled: data.enabled,
          occurredAt: new Date().toISOString(),
          mode: 'created' as const,
        })),
      );
    });
  }

  private linkData(layout: TenantLayout, desired: DesiredAccount, entry: DirectoryEntry) {
    const guid = guidToString(attributeBuffer(entry, 'objectGUID')!);
    const sam = attributeString(entry, 'sAMAccountName');
    const upn = attributeString(entry, 'userPrincipalName') || toUserPrincipalName(sam, layout.tenant.directory.upnSuffix);
    const enabled = !isAccountDisabled(attributeString(entry, 'userAccountControl'));
    return {
      objectGuid: guid,
      sAMAccountName: sam,
      upn,
      dn: entry.dn,
      kind: desired.kind,
      enabled,
      identityVersion: desired.identityVersion,
      desired: desiredJson(desired, sam),
      deletedAt: null,
      disabledAt: enabled ? null : new Date(),
    };
  }

  private defer(pendingMembers: PendingMembers, group: DesiredGroup, memberDn: string, op: PlannedOperation): void {
    const key = normalizeDn(group.dn);
    const pending = pendingMembers.get(key) ?? { group, members: [] };
    pending.members.push({ dn: memberDn, op });
    pendingMembers.set(key, pending);
  }

  /**
   * Writes waiting memberships of the tenant (see `groupMembershipDelayMs`) to AD, per group as one
   * modify of up to 500 values, or in the group's add when it is new, and forgets them once written.
   * A group that cannot be ours fails its members' operations; a transient failure leaves the rest
   * waiting and is thrown. Returns the member values written.
   */
  async writePendingMembers(layout: TenantLayout, scope: PendingMembersScope): Promise<number> {
    const previous = this.pendingWrites.get(layout.id) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.writePendingMembersNow(layout, scope));
    this.pendingWrites.set(layout.id, run);
    try {
      return await run;
    } finally {
      if (this.pendingWrites.get(layout.id) === run) this.pendingWrites.delete(layout.id);
    }
  }

  private async writePendingMembersNow(layout: TenantLayout, scope: PendingMembersScope): Promise<number> {
    let groupKeys: string[] | undefined;
    if (scope === 'full') {
      const full = await this.prisma.$queryRaw<Array<{ group_key: string }>>`
        SELECT group_key FROM pending_group_members WHERE tenant = ${layout.id} GROUP BY group_key HAVING count(*) >= ${MEMBERS_WORTH_A_MODIFY}`;
      groupKeys = full.map((row) => row.group_key);
    } else if (scope !== 'all') {
      // With the delay off nothing waits (the scheduler writes any leftovers at boot).
      if (scope.identityIds.length === 0 || !this.defersMemberships) return 0;
      const touched = await this.prisma.pendingGroupMember.findMany({
        where: { tenant: layout.id, identityId: { in: [...scope.identityIds] } },
        select: { groupKey: true },
        distinct: ['groupKey'],
      });
      groupKeys = touched.map((row) => row.groupKey);
    }
    if (groupKeys?.length === 0) return 0;
    const rows = await this.prisma.pendingGroupMember.findMany({
      where: { tenant: layout.id, ...(groupKeys ? { groupKey: { in: groupKeys } } : {}) },
      orderBy: { createdAt: 'asc' },
    });
    if (rows.length === 0) return 0;
    await withRetry(() => this.layoutService.ensureLayout(layout), this.retry);
    const byGroup = new Map<string, { group: DesiredGroup; rows: typeof rows }>();
    for (const row of rows) {
      const entry = byGroup.get(row.groupKey) ?? { group: row.group as unknown as DesiredGroup, rows: [] };
      entry.rows.push(row);
      byGroup.set(row.groupKey, entry);
    }
    let written = 0;
    let fatal: unknown;
    await runConcurrently([...byGroup.entries()], this.concurrency, async ([groupKey, { group, rows: waiting }]) => {
      if (fatal) return;
      try {
        const values = waiting.map((row) => row.member);
        let created: boolean;
        try {
          created = await withRetry(() => this.ensureGroup(layout, group, values.slice(0, MEMBERS_PER_MODIFY)), this.retry);
        } catch (error) {
          if (!(error instanceof DirectoryError && error.code === 'NOT_FOUND')) throw error;
          // An account deleted meanwhile: the group is created empty, and the others go in after.
          created = false;
          await withRetry(() => this.ensureGroup(layout, group), this.retry);
        }
        for (let i = created ? MEMBERS_PER_MODIFY : 0; i < values.length; i += MEMBERS_PER_MODIFY) {
          await this.addWaitingMembers(layout, group, values.slice(i, i + MEMBERS_PER_MODIFY));
        }
        written += values.length;
      } catch (error) {
        const permanent = toPermanent(error);
        if (!permanent) {
          fatal ??= error;
          return;
        }
        for (const row of waiting) {
          await this.recordFailure(layout, { identityId: row.identityId, identityVersion: row.identityVersion, index: 0, action: 'groups', target: group.dn, before: null, after: { groups: [group.dn] } }, permanent);
        }
      }
      await this.prisma.pendingGroupMember.deleteMany({ where: { tenant: layout.id, groupKey, identityId: { in: waiting.map((row) => row.identityId) } } });
    });
    if (fatal) throw fatal;
    return written;
  }

  /**
   * Adds waiting member values in one modify; should AD refuse it, one at a time, where a value
   * already in the group is fine and an account deleted meanwhile is left out.
   */
  private async addWaitingMembers(layout: TenantLayout, group: DesiredGroup, values: string[]): Promise<void> {
    try {
      await withRetry(() => this.directory.modify(layout.guard(group.dn), [{ operation: 'add', attribute: 'member', values }]), this.retry);
      return;
    } catch (error) {
      if (!(error instanceof DirectoryError && (error.code === 'ALREADY_EXISTS' || error.code === 'NOT_FOUND'))) throw error;
    }
    // The group itself may be what is missing (removed by hand): then it is created again.
    this.knownGroups.delete(normalizeDn(group.dn));
    await withRetry(() => this.ensureGroup(layout, group), this.retry);
    for (const value of values) {
      await withRetry(() => this.directory.modify(group.dn, [{ operation: 'add', attribute: 'member', values: [value] }]), this.retry).catch((e: unknown) => {
        if (!(e instanceof DirectoryError && (e.code === 'ALREADY_EXISTS' || e.code === 'NOT_FOUND'))) throw e;
      });
    }
  }

  /**
   * Adds the batch's new member values: a missing group is created with them in its add, an existing
   * one gets them in one modify per 500 values (one per value if any is present already). Groups are
   * spread over the pool. A group that cannot be ours fails its members' operations, not the batch.
   */
  private async flushMembers(layout: TenantLayout, pending: PendingMembers): Promise<void> {
    const groups = [...pending.values()];
    pending.clear();
    let fatal: unknown;
    await runConcurrently(groups, this.concurrency, async ({ group, members }) => {
      try {
        const dns = members.map((m) => m.dn);
        const created = await withRetry(() => this.ensureGroup(layout, group, dns.slice(0, MEMBERS_PER_MODIFY)), this.retry);
        for (let i = created ? MEMBERS_PER_MODIFY : 0; i < dns.length; i += MEMBERS_PER_MODIFY) {
          await this.addMembers(layout, group, dns.slice(i, i + MEMBERS_PER_MODIFY));
        }
      } catch (error) {
        const permanent = toPermanent(error);
        if (!permanent) {
          fatal ??= error;
          return;
        }
        for (const { op } of members) await this.recordFailure(layout, { ...op, action: 'groups' }, permanent);
      }
    });
    if (fatal) throw fatal;
  }

  private async addMembers(layout: TenantLayout, group: DesiredGroup, members: string[]): Promise<void> {
    try {
      await withRetry(() => this.directory.modify(layout.guard(group.dn), [{ operation: 'add', attribute: 'member', values: members }]), this.retry);
    } catch (error) {
      if (!(error instanceof DirectoryError && error.code === 'ALREADY_EXISTS')) throw error;
      for (const member of members) {
        await withRetry(() => this.directory.modify(group.dn, [{ operation: 'add', attribute: 'member', values: [member] }]), this.retry).catch((e: unknown) => {
          if (!(e instanceof DirectoryError && e.code === 'ALREADY_EXISTS')) throw e;
        });
      }
    }
  }

  private async apply(layout: TenantLayout, op: PlannedOperation, attempt: number, pending: PendingMembers): Promise<void> {
    switch (op.action) {
      case 'create':
        return this.create(layout, op, attempt, pending);
      case 'update':
        return this.update(layout, op);
      case 'move':
      case 'enable':
        return this.place(layout, op, op.action === 'enable');
      case 'disable':
        return this.disable(layout, op);
      case 'delete':
        return this.delete(layout, op);
      case 'groups':
        return this.syncGroups(layout, op);
    }
  }

  // ---- create / adopt -------------------------------------------------------------------------

  private async create(layout: TenantLayout, op: PlannedOperation, attempt: number, pending: PendingMembers): Promise<void> {
    const desired = requireDesired(op);
    assertTenant(layout, desired);
    const existingLink = await this.prisma.accountLink.findUnique({
      where: { tenant_identityId: { tenant: layout.id, identityId: desired.identityId } },
    });
    if (existingLink && !existingLink.deletedAt) {
      const entry = await this.directory.findEntry(guidBaseDn(existingLink.objectGuid), ACCOUNT_ATTRIBUTES);
      if (entry) return; // already created (a retry, or a duplicate delivery)
    }
    // Adoption: an account carrying this person's id already exists in the tenant's OU. The planner
    // has just looked when the operation is fresh; a retry or a later approval looks again.
    const adopted = op.freshlyPlanned && attempt === 1 && !op.adoptDn ? null : await this.findByRegisterPersonId(layout, desired.registerPersonId);
    if (adopted) {
      const sam = attributeString(adopted, 'sAMAccountName');
      const ours = await this.prisma.nameReservation.findUnique({ where: { nameLower: sam.toLowerCase() } });
      const mode = ours && ours.identityId === desired.identityId ? 'created' : 'linked';
      await this.reserve(layout, desired.identityId, sam);
      await this.recordProvisioned(layout, desired, adopted, mode);
      await this.converge(layout, desired, adopted, op);
      return;
    }

    await this.layoutService.ensureChildOu(layout, desired.ouDn);
    const tried = new Set<string>();
    const candidates = this.nameCandidates(layout, desired, existingLink?.sAMAccountName);
    for (let attempt = 0; attempt < (this.options.maxNameAttempts ?? 200); attempt++) {
      const next = candidates.next();
      if (next.done) break;
      const sam = next.value;
      if (tried.has(sam)) continue;
      tried.add(sam);
      if (!(await this.isFreeFor(desired.identityId, sam))) continue;
      // Committed before the add, and only one identity can win a name: never handed out twice.
      if (!(await this.reserve(layout, desired.identityId, sam))) continue;
      const dn = layout.guard(childDn('CN', accountCn(desired.displayName, sam), desired.ouDn));
      try {
        await this.addAccount(layout, dn, desired, sam, (await this.federationValues.storedFor(layout.id, [desired.identityId])).get(desired.identityId)?.values);
      } catch (error) {
        if (error instanceof DirectoryError && error.code === 'ALREADY_EXISTS') {
          // Either our own add went through before the connection dropped, or the name is taken
          // somewhere we cannot see: adopt in the first case, try the next name in the second.
          const mine = await this.findOwnAdd(layout, sam, desired.registerPersonId);
          if (mine) {
            await this.recordProvisioned(layout, desired, mine, 'created');
            await this.converge(layout, desired, mine, op);
            return;
          }
          continue;
        }
        throw error;
      }
      const entry = await withRetry(() => this.directory.findEntry(dn, ACCOUNT_ATTRIBUTES), this.retry);
      if (!entry) throw new DirectoryError('UNAVAILABLE', 'account vanished right after its add');
      await this.recordProvisioned(layout, desired, entry, 'created');
      await this.syncFederationValues(layout, desired.identityId);
      // A new account is in no group yet: its member values are added per group for the whole
      // batch at its end (one modify per group instead of one per account and group).
      for (const group of desired.groups) this.defer(pending, group, entry.dn, op);
      return;
    }
    throw new PermanentFailure('NO_FREE_NAME', `no free account name after ${tried.size} candidates`);
  }

  private *nameCandidates(layout: TenantLayout, desired: DesiredAccount, previous?: string): Generator<string> {
    if (previous) yield previous; // a returning person gets their own (reserved) name back
    const naming = layout.tenant.naming;
    const pattern = desired.kind === 'pupil' ? naming.pupilPattern : naming.staffPattern;
    yield* generateAccountNameCandidates({ pattern }, { givenName: desired.givenName, familyName: desired.sn });
  }

  /**
   * Free = not reserved for anyone else (any letter case). AD itself refuses a sAMAccountName that
   * exists in any case (68) in the add, which then moves on to the next candidate.
   */
  private async isFreeFor(identityId: string, sam: string): Promise<boolean> {
    const reservation = await this.prisma.nameReservation.findUnique({ where: { nameLower: sam.toLowerCase() } });
    return !reservation || reservation.identityId === identityId;
  }

  /** Reserves the name for the identity; false when another identity holds it (any letter case). */
  private async reserve(layout: TenantLayout, identityId: string, sam: string): Promise<boolean> {
    await this.prisma.nameReservation.createMany({
      data: [{ nameLower: sam.toLowerCase(), name: sam, tenant: layout.id, identityId }],
      skipDuplicates: true,
    });
    const holder = await this.prisma.nameReservation.findUnique({ where: { nameLower: sam.toLowerCase() } });
    return holder?.identityId === identityId;
  }

  /**
   * After an add answered "already exists": our own earlier add of this name (a connection that
   * dropped after the add went through) carries the name and this person's id; anything else is a
   * name taken where we could not see it. One indexed lookup by name, not a scan for the id: under
   * concurrent batches many adds meet a taken name, and a scan per add costs the directory dearly.
   */
  private async findOwnAdd(layout: TenantLayout, sam: string, registerPersonId: string): Promise<DirectoryEntry | null> {
    const found = await this.directory.search(this.options.domainDn, {
      filter: andFilter('(objectClass=user)', equalsFilter('sAMAccountName', sam)),
      attributes: ACCOUNT_ATTRIBUTES,
    });
    const entry = found[0];
    if (!entry || attributeString(entry, CORRELATION_ATTRIBUTE) !== registerPersonId || !isDnWithin(entry.dn, layout.rootDn, { allowSelf: false })) return null;
    return entry;
  }

  private async findByRegisterPersonId(layout: TenantLayout, registerPersonId: string): Promise<DirectoryEntry | null> {
    const found = await this.directory.search(layout.rootDn, {
      filter: andFilter('(objectClass=user)', equalsFilter(CORRELATION_ATTRIBUTE, registerPersonId)),
      attributes: ACCOUNT_ATTRIBUTES,
    });
    return found[0] ?? null;
  }

  private async recordProvisioned(layout: TenantLayout, desired: DesiredAccount, entry: DirectoryEntry, mode: 'created' | 'linked') {
    const data = this.linkData(layout, desired, entry);
    await this.prisma.$transaction(async (tx) => {
      await tx.accountLink.upsert({
        where: { tenant_identityId: { tenant: layout.id, identityId: desired.identityId } },
        create: { tenant: layout.id, identityId: desired.identityId, ...data },
        update: data,
      });
      await enqueueProvisionerEvent(tx, EVENTS.directoryAccountProvisioned, layout.id, {
        identityId: desired.identityId,
        tenant: layout.id,
        identityVersion: desired.identityVersion,
        accountId: data.objectGuid,
        sAMAccountName: data.sAMAccountName,
        userPrincipalName: data.upn,
        distinguishedName: data.dn,
        enabled: data.enabled,
        occurredAt: new Date().toISOString(),
        mode,
      });
    });
  }

  /** After adoption: bring attributes, place, state and groups to the desired state. */
  private async converge(layout: TenantLayout, desired: DesiredAccount, entry: DirectoryEntry, op: PlannedOperation) {
    const guid = guidToString(attributeBuffer(entry, 'objectGUID')!);
    const base = { identityId: desired.identityId, identityVersion: desired.identityVersion, accountId: guid, desired, before: null, after: null };
    await this.update(layout, { ...base, index: op.index, action: 'update', target: entry.dn });
    await this.place(layout, { ...base, index: op.index, action: 'move', target: entry.dn }, true);
    await this.syncGroups(layout, { ...base, index: op.index, action: 'groups', target: entry.dn });
    await this.syncFederationValues(layout, desired.identityId);
  }

  /** After linking one account: its stored federation values, unless AD refuses the mapping (logged). */
  private async syncFederationValues(layout: TenantLayout, identityId: string): Promise<void> {
    try {
      await this.federationValues.sync(layout, identityId);
    } catch (error) {
      if (!(error instanceof DirectoryMappingError)) throw error;
      this.logger.error(error.message);
    }
  }

  // ---- update / move / enable / disable / delete -------------------------------------------------

  private async linked(layout: TenantLayout, op: PlannedOperation) {
    const link = await this.prisma.accountLink.findUnique({
      where: { tenant_identityId: { tenant: layout.id, identityId: op.identityId } },
    });
    if (!link || link.deletedAt) throw new PermanentFailure('NOT_LINKED', 'no account is linked to this identity');
    const entry = await this.directory.findEntry(guidBaseDn(link.objectGuid), ACCOUNT_ATTRIBUTES);
    if (!entry) throw new PermanentFailure('NOT_FOUND', 'the linked account is missing in AD');
    layout.guard(entry.dn);
    return { link, entry };
  }

  private async update(layout: TenantLayout, op: PlannedOperation): Promise<void> {
    const desired = requireDesired(op);
    assertTenant(layout, desired);
    const { link, entry } = await this.linked(layout, op);
    const wanted: Record<string, string> = {
      givenName: desired.givenName,
      sn: desired.sn,
      displayName: desired.displayName,
      [CORRELATION_ATTRIBUTE]: desired.registerPersonId,
    };
    const changed = Object.keys(wanted).filter((attr) => attributeString(entry, attr) !== wanted[attr]);
    if (changed.length > 0) {
      await this.directory.modify(
        entry.dn,
        changed.map((attribute) => ({ operation: 'replace' as const, attribute, values: [wanted[attribute]!] })),
      );
    }
    let dn = entry.dn;
    const cn = accountCn(desired.displayName, link.sAMAccountName);
    if (attributeString(entry, 'cn') !== cn) {
      dn = layout.guard(childDn('CN', cn, parentDn(entry.dn)));
      await this.directory.moveEntry(entry.dn, dn);
      changed.push('cn');
    }
    await this.prisma.$transaction(async (tx) => {
      await tx.accountLink.update({
        where: { id: link.id },
        data: { dn, identityVersion: Math.max(link.identityVersion, desired.identityVersion), desired: desiredJson(desired, link.sAMAccountName) },
      });
      if (changed.length > 0) {
        await enqueueProvisionerEvent(tx, EVENTS.directoryAccountUpdated, layout.id, {
          ...accountEventBase(layout, link, dn, !isAccountDisabled(attributeString(entry, 'userAccountControl')), desired.identityVersion),
          changedAttributes: changed,
        });
      }
    });
  }

  /** Moves the account to its desired OU and (with `enable`) enables it. */
  private async place(layout: TenantLayout, op: PlannedOperation, enable: boolean): Promise<void> {
    const desired = requireDesired(op);
    assertTenant(layout, desired);
    const { link, entry } = await this.linked(layout, op);
    const wasDisabled = isAccountDisabled(attributeString(entry, 'userAccountControl'));
    const shouldEnable = enable && desired.state === 'present' && wasDisabled;
    if (shouldEnable) {
      await this.directory.modify(entry.dn, [{ operation: 'replace', attribute: 'userAccountControl', values: [UAC_ENABLED] }]);
    }
    const dn = await this.moveInto(layout, entry, layout.guard(desired.ouDn));
    const enabled = shouldEnable || !wasDisabled;
    await this.prisma.$transaction(async (tx) => {
      await tx.accountLink.update({
        where: { id: link.id },
        data: { dn, enabled, disabledAt: enabled ? null : link.disabledAt, identityVersion: Math.max(link.identityVersion, desired.identityVersion), desired: desiredJson(desired, link.sAMAccountName) },
      });
      if (shouldEnable) {
        await enqueueProvisionerEvent(tx, EVENTS.directoryAccountUpdated, layout.id, {
          ...accountEventBase(layout, link, dn, true, desired.identityVersion),
          changedAttributes: ['userAccountControl'],
        });
      }
      if (normalizeDn(dn) !== normalizeDn(entry.dn)) {
        await enqueueProvisionerEvent(tx, EVENTS.directoryAccountMoved, layout.id, {
          ...accountEventBase(layout, link, dn, enabled, desired.identityVersion),
          fromDn: entry.dn,
        });
      }
    });
  }

  private async moveInto(layout: TenantLayout, entry: DirectoryEntry, ouDn: string): Promise<string> {
    if (normalizeDn(parentDn(entry.dn)) === normalizeDn(ouDn)) return entry.dn;
    await this.layoutService.ensureChildOu(layout, ouDn);
    const dn = layout.guard(childDn('CN', attributeString(entry, 'cn'), ouDn));
    await this.directory.moveEntry(layout.guard(entry.dn), dn);
    return dn;
  }

  private async disable(layout: TenantLayout, op: PlannedOperation): Promise<void> {
    const { link, entry } = await this.linked(layout, op);
    const wasDisabled = isAccountDisabled(attributeString(entry, 'userAccountControl'));
    if (!wasDisabled) {
      await this.directory.modify(entry.dn, [{ operation: 'replace', attribute: 'userAccountControl', values: [UAC_DISABLED] }]);
    }
    // Leavers keep no group memberships of the tenant.
    for (const group of attributeStrings(entry, 'memberOf').filter((g) => isDnWithin(g, layout.groupsDn, { allowSelf: false }))) {
      await this.removeMember(group, entry.dn);
    }
    const dn = await this.moveInto(layout, entry, layout.leaversDn);
    const desired = op.desired;
    await this.prisma.$transaction(async (tx) => {
      await tx.accountLink.update({
        where: { id: link.id },
        data: {
          dn,
          enabled: false,
          disabledAt: link.disabledAt ?? new Date(),
          identityVersion: Math.max(link.identityVersion, op.identityVersion),
          ...(desired ? { desired: desiredJson(desired, link.sAMAccountName) } : {}),
        },
      });
      if (!wasDisabled || link.enabled) {
        await enqueueProvisionerEvent(tx, EVENTS.directoryAccountDisabled, layout.id, {
          ...accountEventBase(layout, link, dn, false, op.identityVersion),
          reason: op.reason ?? 'identity inactive',
        });
      }
    });
  }

  private async delete(layout: TenantLayout, op: PlannedOperation): Promise<void> {
    const link = await this.prisma.accountLink.findUnique({
      where: { tenant_identityId: { tenant: layout.id, identityId: op.identityId } },
    });
    if (!link || link.deletedAt) return;
    const entry = await this.directory.findEntry(guidBaseDn(link.objectGuid), ['cn']);
    if (entry) await this.directory.delete(layout.guard(entry.dn));
    await this.prisma.$transaction(async (tx) => {
      // The name reservation stays: a deleted account's name is never handed out again.
      await tx.accountLink.update({ where: { id: link.id }, data: { deletedAt: new Date(), enabled: false } });
      await enqueueProvisionerEvent(tx, EVENTS.directoryAccountDeleted, layout.id, {
        ...accountEventBase(layout, link, entry?.dn ?? link.dn, false, Math.max(link.identityVersion, op.identityVersion)),
        reason: op.reason ?? 'retention period ended',
      });
    });
  }

  // ---- groups ------------------------------------------------------------------------------------

  private async syncGroups(layout: TenantLayout, op: PlannedOperation): Promise<void> {
    const desired = requireDesired(op);
    assertTenant(layout, desired);
    const { entry } = await this.linked(layout, op);
    await this.syncMemberships(layout, desired, entry);
  }

  /** Adds and deletes single member values; the rest of each group's member list is never touched. */
  private async syncMemberships(layout: TenantLayout, desired: DesiredAccount, entry: DirectoryEntry): Promise<void> {
    const current = new Set(
      attributeStrings(entry, 'memberOf')
        .filter((g) => isDnWithin(g, layout.groupsDn, { allowSelf: false }))
        .map((g) => normalizeDn(g)),
    );
    const wanted = new Map(desired.groups.map((g) => [normalizeDn(g.dn), g]));
    for (const [key, group] of wanted) {
      if (current.has(key)) continue;
      if (await this.ensureGroup(layout, group, [entry.dn])) continue;
      try {
        await this.directory.modify(layout.guard(group.dn), [{ operation: 'add', attribute: 'member', values: [entry.dn] }]);
      } catch (error) {
        if (!(error instanceof DirectoryError && error.code === 'ALREADY_EXISTS')) throw error;
      }
    }
    for (const dn of attributeStrings(entry, 'memberOf')) {
      if (isDnWithin(dn, layout.groupsDn, { allowSelf: false }) && !wanted.has(normalizeDn(dn))) await this.removeMember(dn, entry.dn);
    }
  }

  private async removeMember(groupDn: string, memberDn: string): Promise<void> {
    try {
      await this.directory.modify(groupDn, [{ operation: 'delete', attribute: 'member', values: [memberDn] }]);
    } catch (error) {
      if (!(error instanceof DirectoryError && (error.code === 'NOT_FOUND' || error.code === 'CONSTRAINT'))) throw error;
    }
  }

  private readonly knownGroups = new Set<string>();

  /**
   * Creates the group when missing, with `members` as its first member values; true when it did
   * (the members are in), false when it existed already. An existing object is adopted only when it
   * is ours: the same DN in the tenant's groups OU with our sAMAccountName. A name held by another
   * deployment or a different group under our DN fails clearly instead of mixing memberships.
   */
  async ensureGroup(layout: TenantLayout, group: DesiredGroup, members: string[] = []): Promise<boolean> {
    const key = normalizeDn(group.dn);
    if (this.knownGroups.has(key)) return false;
    try {
      await this.directory.add(layout.guard(group.dn), {
        objectClass: ['top', 'group'],
        sAMAccountName: group.sAMAccountName,
        groupType: GROUP_TYPE_GLOBAL_SECURITY,
        description: group.description,
        ...(members.length > 0 ? { member: members } : {}),
      });
      this.knownGroups.add(key);
      return true;
    } catch (error) {
      if (!(error instanceof DirectoryError && error.code === 'ALREADY_EXISTS')) throw error;
    }
    await this.verifyOwnGroup(layout, group);
    this.knownGroups.add(key);
    return false;
  }

  private async verifyOwnGroup(layout: TenantLayout, group: DesiredGroup): Promise<void> {
    const atDn = await this.directory.findEntry(group.dn, ['sAMAccountName', 'objectClass']);
    const sam = atDn ? attributeString(atDn, 'sAMAccountName').toLowerCase() : '';
    // A group created before names carried the OU hash keeps its older name and is still ours.
    const ours = [group.sAMAccountName.toLowerCase(), legacyGroupSamAccountName(layout.id, group.key)];
    if (atDn && ours.includes(sam) && isDnWithin(atDn.dn, layout.groupsDn, { allowSelf: false })) return;
    if (atDn) {
      throw new PermanentFailure('GROUP_CONFLICT', `${group.dn} exists with sAMAccountName ${sam || '(none)'}, not ${group.sAMAccountName}: another group holds this name in the tenant's OU`);
    }
    const holder = await this.directory.search(this.options.domainDn, {
      filter: equalsFilter('sAMAccountName', group.sAMAccountName),
      attributes: ['1.1'],
    });
    throw new PermanentFailure(
      'GROUP_NAME_TAKEN',
      `group sAMAccountName ${group.sAMAccountName} is held by ${holder[0]?.dn ?? 'an object we cannot read'}, outside this tenant's groups OU`,
    );
  }

  // ---- failures ----------------------------------------------------------------------------------

  private async recordFailure(layout: TenantLayout, op: PlannedOperation, failure: PermanentFailure): Promise<void> {
    const operation = op.action === 'create' ? 'provision' : op.action === 'groups' ? 'sync-groups' : op.action;
    await this.prisma.$transaction(async (tx) => {
      await enqueueProvisionerEvent(tx, EVENTS.directoryAccountFailed, layout.id, {
        identityId: op.identityId,
        tenant: layout.id,
        identityVersion: op.identityVersion,
        ...(op.accountId ? { accountId: op.accountId } : {}),
        operation,
        error: { code: failure.code, message: failure.message.slice(0, 1000) },
        retryable: false,
        attempts: 1,
        occurredAt: new Date().toISOString(),
      });
    });
  }
}

function toPermanent(error: unknown): PermanentFailure | null {
  if (error instanceof PermanentFailure) return error;
  if (error instanceof DirectoryError) {
    if (error.retryable || error.code === 'UNKNOWN') return null;
    // AD's own text (e.g. "0000052D: Constraint violation …") is kept for review.
    return new PermanentFailure(error.code, error.message);
  }
  if (error instanceof Error && (error.name === 'TenantBoundaryError' || error.name === 'InvalidDnError')) {
    return new PermanentFailure('OUTSIDE_TENANT', error.message);
  }
  return null;
}

function requireDesired(op: PlannedOperation): DesiredAccount {
  if (!op.desired) throw new PermanentFailure('INVALID_PLAN', `operation ${op.index} (${op.action}) has no desired state`);
  return op.desired;
}

function assertTenant(layout: TenantLayout, desired: DesiredAccount): void {
  if (desired.tenant !== layout.id) {
    throw new PermanentFailure('OUTSIDE_TENANT', `operation for tenant ${desired.tenant} applied to tenant ${layout.id}`);
  }
  layout.guard(desired.ouDn);
  for (const group of desired.groups) layout.guard(group.dn);
}

function desiredJson(desired: DesiredAccount, sAMAccountName: string) {
  return JSON.parse(JSON.stringify({ ...desired, sAMAccountName }));
}

function accountEventBase(
  layout: TenantLayout,
  link: { identityId: string; objectGuid: string; sAMAccountName: string; upn: string },
  dn: string,
  enabled: boolean,
  identityVersion: number,
) {
  return {
    identityId: link.identityId,
    tenant: layout.id,
    identityVersion,
    accountId: link.objectGuid,
    sAMAccountName: link.sAMAccountName,
    userPrincipalName: link.upn,
    distinguishedName: dn,
    enabled,
    occurredAt: new Date().toISOString(),
  };
}

/** An identity's name candidates, best first, drawn from its generator as far as they are needed. */
interface CandidateList {
  identityId: string;
  candidates: string[];
  more: Iterator<string>;
}

/** Draws candidates until the list holds `count`; returns the ones drawn. */
function extendCandidates(list: CandidateList, count: number): string[] {
  const drawn: string[] = [];
  while (list.candidates.length < count) {
    const next = list.more.next();
    if (next.done) break;
    list.candidates.push(next.value);
    drawn.push(next.value);
  }
  return drawn;
}
