// One intended LDAP change with its before/after, as planned, held, shown to operators and applied.
import type { DesiredAccount, DesiredGroup } from '../provision-account/desired-account';

export type OperationAction = 'create' | 'update' | 'move' | 'disable' | 'enable' | 'delete' | 'groups';

export interface PlannedOperation {
  index: number;
  action: OperationAction;
  identityId: string;
  identityVersion: number;
  /** The account DN the operation touches (the intended DN for a create). */
  target: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** objectGUID of the account, when it exists. */
  accountId?: string;
  /** The desired state the operation converges to (create, update, move, enable, groups). */
  desired?: DesiredAccount;
  /** An existing account with this identity's register person id (CORRELATION_ATTRIBUTE) is to be linked, not created. */
  adoptDn?: string;
  groups?: { add: DesiredGroup[]; remove: string[] };
  /** Planned in the same call that applies it (not held): the executor may trust the planner's reads. */
  freshlyPlanned?: boolean;
  /** Why (disable/delete). */
  reason?: string;
}

/** The contract's plan actions: group membership changes are account updates. */
export function toPlanAction(action: OperationAction): 'create' | 'update' | 'move' | 'disable' | 'enable' | 'delete' {
  return action === 'groups' ? 'update' : action;
}
