import { addDays, maxDate, type LocalDate } from '../clock/clock';

/**
 * An identity's lifecycle follows the school year:
 *   pending ──role starts──▶ active ──last role ends──▶ leaving ──grace ends──▶ suspended
 *   ──retention ends──▶ deactivated
 * A returner (active role again) goes back to active from leaving, suspended or deactivated.
 * personStatus Avliden/Utvandrad, deletion in the register and an operator's merge into another
 * identity deactivate at once. Moving to another tenant goes leaving → suspended at once, even while
 * the old register still lists the person: the grace period bridges a summer for a pupil who may
 * return, but a mover already has an active account elsewhere.
 * The function is pure: the same current status, facts and day always give the same answer,
 * which is what makes replays and differently-ordered events converge.
 */
export type LifecycleState = 'pending' | 'active' | 'leaving' | 'suspended' | 'deactivated';

export type LifecycleCause =
  | 'REGISTERED'
  | 'ROLE_STARTED'
  | 'ROLE_ENDED'
  | 'RETURNED'
  | 'GRACE_PERIOD_ENDED'
  | 'RETENTION_PERIOD_ENDED'
  | 'PERSON_DECEASED'
  | 'PERSON_EMIGRATED'
  | 'DELETED_IN_REGISTER'
  | 'MOVED_TO_OTHER_TENANT'
  | 'MERGED';

export interface LifecycleStatus {
  state: LifecycleState;
  cause: LifecycleCause;
  /** The day the identity entered this state. */
  since: LocalDate;
  /** leaving: the first day the account is suspended. */
  suspendOn?: LocalDate;
  /** leaving/suspended: the first day the account is deactivated. */
  deactivateOn?: LocalDate;
}

export interface LifecycleTransition {
  from: LifecycleState | null;
  to: LifecycleState;
  cause: LifecycleCause;
  on: LocalDate;
}

export interface LifecycleFacts {
  hasActiveRole: boolean;
  lastRoleEnd?: LocalDate;
  lastEndedRoleWasEnrolment: boolean;
  personStatus?: string | null;
  deletedInRegister: boolean;
  movedToOtherTenant: boolean;
  /** An operator decided this identity is the same person as another one, which is kept. */
  mergedIntoOther?: boolean;
}

export interface LifecyclePolicy {
  /** Days from leaving to suspension. */
  graceDays: number;
  /** Days from suspension to deactivation. */
  retentionDays: number;
  /** Pupils whose last enrolment ends in this month keep the account until `summerKeepUntil`. */
  summerEndMonth: number;
  /** MM-DD, inclusive: the last day a summer leaver keeps the account. */
  summerKeepUntil: string;
}

export const DEFAULT_LIFECYCLE_POLICY: LifecyclePolicy = { graceDays: 30, retentionDays: 90, summerEndMonth: 6, summerKeepUntil: '08-31' };

export interface LifecycleDecision {
  status: LifecycleStatus;
  /** Empty when nothing changed; several when a late evaluation passes more than one deadline. */
  transitions: LifecycleTransition[];
}

export function evaluateLifecycle(
  current: LifecycleStatus | null | undefined,
  facts: LifecycleFacts,
  today: LocalDate,
  policy: LifecyclePolicy = DEFAULT_LIFECYCLE_POLICY,
): LifecycleDecision {
  const transitions: LifecycleTransition[] = [];
  let status = current ?? null;
  const move = (to: LifecycleState, cause: LifecycleCause, on: LocalDate, extra: Partial<LifecycleStatus> = {}) => {
    transitions.push({ from: status?.state ?? null, to, cause, on });
    status = { state: to, cause, since: on, ...extra };
  };

  const terminal = terminalCause(facts);
  if (terminal) {
    if (status?.state !== 'deactivated') move('deactivated', terminal, today);
    return { status: status!, transitions };
  }

  if (facts.hasActiveRole && !facts.movedToOtherTenant) {
    if (!status || status.state === 'pending') move('active', 'ROLE_STARTED', today);
    else if (status.state !== 'active') move('active', 'RETURNED', today);
    return { status: status!, transitions };
  }

  if (!status) move('pending', 'REGISTERED', today);
  if (facts.movedToOtherTenant) {
    // Both transitions today, each with the move as its cause; retention runs from today.
    const deactivateOn = addDays(today, policy.retentionDays);
    if (status!.state === 'active' || status!.state === 'pending') move('leaving', 'MOVED_TO_OTHER_TENANT', today, { suspendOn: today, deactivateOn });
    if (status!.state === 'leaving') {
      const planned = status!.deactivateOn;
      move('suspended', 'MOVED_TO_OTHER_TENANT', today, { deactivateOn: planned && planned < deactivateOn ? planned : deactivateOn });
    }
  }
  if (status!.state === 'active') {
    const leaveOn = leavingDay(facts.lastRoleEnd, today);
    const suspendOn = suspensionDay(leaveOn, facts, policy);
    move('leaving', 'ROLE_ENDED', leaveOn, {
      suspendOn,
      deactivateOn: addDays(suspendOn, policy.retentionDays),
    });
  }
  if (status!.state === 'leaving' && status!.suspendOn && today >= status!.suspendOn) {
    const on = status!.suspendOn;
    move('suspended', 'GRACE_PERIOD_ENDED', on, { deactivateOn: status!.deactivateOn ?? addDays(on, policy.retentionDays) });
  }
  if (status!.state === 'suspended' && status!.deactivateOn && today >= status!.deactivateOn) {
    move('deactivated', 'RETENTION_PERIOD_ENDED', status!.deactivateOn);
  }
  return { status: status!, transitions };
}

function terminalCause(facts: LifecycleFacts): LifecycleCause | undefined {
  if (facts.mergedIntoOther) return 'MERGED';
  if (facts.deletedInRegister) return 'DELETED_IN_REGISTER';
  if (facts.personStatus === 'Avliden') return 'PERSON_DECEASED';
  if (facts.personStatus === 'Utvandrad') return 'PERSON_EMIGRATED';
  return undefined;
}

/** The day after the last role ended; today when the register gives no usable end date. */
function leavingDay(lastRoleEnd: LocalDate | undefined, today: LocalDate): LocalDate {
  if (!lastRoleEnd) return today;
  const next = addDays(lastRoleEnd, 1);
  return next <= today ? next : today;
}

function suspensionDay(leaveOn: LocalDate, facts: LifecycleFacts, policy: LifecyclePolicy): LocalDate {
  const afterGrace = addDays(leaveOn, policy.graceDays);
  const end = facts.lastRoleEnd;
  if (facts.lastEndedRoleWasEnrolment && end && Number(end.slice(5, 7)) === policy.summerEndMonth) {
    // Keep the account through the summer: suspended from the day after summerKeepUntil.
    const summerEnd = addDays(`${end.slice(0, 4)}-${policy.summerKeepUntil}`, 1);
    return maxDate(afterGrace, summerEnd);
  }
  return afterGrace;
}

/** The identity event a lifecycle change is published as. */
export function lifecycleEventKind(previous: LifecycleState | null | undefined, next: LifecycleState): 'changed' | 'deactivated' | 'reactivated' {
  if (next === 'deactivated' && previous !== 'deactivated') return 'deactivated';
  if (previous && (previous === 'deactivated' || previous === 'suspended') && next === 'active') return 'reactivated';
  return 'changed';
}
