// Browse the DEADLETTER stream (reason and masked payload), replay messages to their original
// subject, or discard them with a reason. Every action is recorded with who did it.
import { Injectable } from '@nestjs/common';
import { DLQ_HEADERS } from '@skolkonto/messaging';
import { PrismaClient } from '@skolkonto/persistence';
import { consoleMetrics } from '../console-metrics';
import { canSeeTenant, Principal } from '../auth/roles';
import { maskSensitive } from '../shared/mask-sensitive';
import { JetStreamGateway, StoredDeadLetter } from '../stream-watch/jetstream-gateway';
import { stripNamespace } from '../stream-watch/observed-event';
import { ConsoleConfig } from '../config';
import { Inject } from '@nestjs/common';
import { CONSOLE_CONFIG } from '../shared/prisma.provider';

export interface DeadLetterView {
  sequence: number;
  tenant: string | null;
  originalSubject: string;
  reason: string;
  attempts: string | null;
  consumer: string | null;
  storedAt: string;
  payload: unknown;
}

export class DeadLetterError extends Error {
  constructor(readonly code: 'NOT_FOUND' | 'REASON_REQUIRED', message: string) {
    super(message);
  }
}

/** Pure: what a stored dead letter means, with its payload masked. */
export function describeDeadLetter(message: StoredDeadLetter, namespace: string): DeadLetterView {
  const subject = stripNamespace(message.subject, namespace);
  const header = (name: string) => message.headers[name] ?? null;
  const originalSubject = header(DLQ_HEADERS.subject) ?? (subject.startsWith('deadletter.') ? subject.slice('deadletter.'.length) : subject);
  const code = header(DLQ_HEADERS.code);
  const reason = header(DLQ_HEADERS.reason);
  let payload: unknown;
  const text = Buffer.from(message.payload).toString('utf8');
  try {
    payload = JSON.parse(text);
  } catch {
    payload = text;
  }
  return {
    sequence: message.sequence,
    tenant: originalSubject.split('.')[1] ?? null,
    originalSubject,
    reason: maskSensitive([code, reason].filter(Boolean).join(': ') || 'no reason recorded'),
    attempts: header(DLQ_HEADERS.attempts),
    consumer: header(DLQ_HEADERS.consumer),
    storedAt: message.storedAt.toISOString(),
    payload: maskSensitive(payload),
  };
}

@Injectable()
export class DeadLettersService {
  constructor(
    private readonly gateway: JetStreamGateway,
    private readonly prisma: PrismaClient,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  async list(principal: Principal, tenant?: string): Promise<DeadLetterView[]> {
    const stored = await this.gateway.listDeadLetters(500);
    return stored
      .map((m) => describeDeadLetter(m, (this.config.NATS_NAMESPACE ?? '')))
      .filter((d) => canSeeTenant(principal, d.tenant) && (!tenant || d.tenant === tenant));
  }

  /** Publishes each message again to its original subject, then removes it from the dead-letter stream. */
  async replay(principal: Principal, sequences: number[]): Promise<{ replayed: number[] }> {
    const replayed: number[] = [];
    for (const sequence of sequences) {
      const { view } = await this.load(principal, sequence);
      // A fresh Nats-Msg-Id, stable per dead letter, so a double click publishes once.
      await this.gateway.replayDeadLetter(sequence);
      await this.prisma.consoleDeadLetterAction.create({
        data: { streamSequence: sequence, tenant: view.tenant, originalSubject: view.originalSubject, action: 'replayed', operator: principal.username },
      });
      await this.gateway.deleteDeadLetter(sequence);
      replayed.push(sequence);
      consoleMetrics.action('dead-letter-replayed');
    }
    return { replayed };
  }

  async discard(principal: Principal, sequences: number[], reason: string): Promise<{ discarded: number[] }> {
    if (!reason.trim()) throw new DeadLetterError('REASON_REQUIRED', 'discarding needs a reason');
    const discarded: number[] = [];
    for (const sequence of sequences) {
      const { view } = await this.load(principal, sequence);
      await this.prisma.consoleDeadLetterAction.create({
        data: { streamSequence: sequence, tenant: view.tenant, originalSubject: view.originalSubject, action: 'discarded', reason: reason.trim(), operator: principal.username },
      });
      await this.gateway.deleteDeadLetter(sequence);
      discarded.push(sequence);
      consoleMetrics.action('dead-letter-discarded');
    }
    return { discarded };
  }

  history(principal: Principal) {
    return this.prisma.consoleDeadLetterAction
      .findMany({ orderBy: { id: 'desc' }, take: 200 })
      .then((rows) =>
        rows
          .filter((r) => canSeeTenant(principal, r.tenant))
          .map((r) => ({ ...r, id: Number(r.id), streamSequence: Number(r.streamSequence), at: r.at.toISOString() })),
      );
  }

  private async load(principal: Principal, sequence: number) {
    const stored = await this.gateway.getDeadLetter(sequence);
    if (!stored) throw new DeadLetterError('NOT_FOUND', `dead letter ${sequence} not found`);
    const view = describeDeadLetter(stored, (this.config.NATS_NAMESPACE ?? ''));
    if (!canSeeTenant(principal, view.tenant)) throw new DeadLetterError('NOT_FOUND', `dead letter ${sequence} not found`);
    return { stored, view };
  }
}
