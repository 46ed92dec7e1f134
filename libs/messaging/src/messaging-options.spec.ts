import fc from 'fast-check';
import { classifyError, PermanentError, summarizeError } from './errors';
import {
  backoffDelay,
  messagingOptionsFromEnv,
  namespacedStream,
  namespacedSubject,
  resolveMessagingOptions,
  stripNamespace,
} from './messaging-options';

describe(resolveMessagingOptions.name, () => {
  it('fills defaults: 1 replica, 5 deliveries, concurrency 8, no namespace', () => {
    expect(resolveMessagingOptions({ servers: 'nats://x', app: 'a' })).toMatchObject({ replicas: 1, maxDeliver: 5, concurrency: 8, namespace: undefined });
  });

  it('refuses a namespace that is not a subject token', () => {
    expect(() => resolveMessagingOptions({ servers: 'nats://x', app: 'a', namespace: 'a.b' })).toThrow(/namespace/);
    expect(() => resolveMessagingOptions({ servers: 'nats://x', app: 'a', namespace: 'A*' })).toThrow(/namespace/);
  });

  it('reads NATS_NAMESPACE and numbers from the environment, naming a bad key', () => {
    expect(messagingOptionsFromEnv('app', { NATS_NAMESPACE: 'ci-1', NATS_REPLICAS: '3' })).toMatchObject({ namespace: 'ci-1', replicas: 3 });
    expect(() => messagingOptionsFromEnv('app', { NATS_MAX_DELIVER: 'many' })).toThrow(/NATS_MAX_DELIVER/);
  });
});

describe('namespacing', () => {
  it('prefixes subjects and streams and strips the prefix again (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,12}$/), fc.constantFrom('identity.lidkoping.person.changed', 'ops.skara.plan.held'), (ns, subject) => {
        expect(stripNamespace(namespacedSubject(subject, ns), ns)).toBe(subject);
        expect(namespacedStream('IDENTITY', ns)).toBe(`${ns.toUpperCase()}_IDENTITY`);
      }),
    );
    expect(namespacedSubject('identity.a.person.changed')).toBe('identity.a.person.changed');
  });
});

describe(backoffDelay.name, () => {
  it('doubles per delivery and stops at the cap', () => {
    expect([1, 2, 3, 4, 10].map((n) => backoffDelay(n, 500, 3000))).toEqual([500, 1000, 2000, 3000, 3000]);
  });
});

describe(classifyError.name, () => {
  it('retries retryable errors, dead-letters permanent ones, and treats the rest as unknown', () => {
    expect(classifyError(Object.assign(new Error('x'), { retryable: true }))).toBe('retry');
    expect(classifyError(new PermanentError('RULE', 'x'))).toBe('permanent');
    expect(classifyError(Object.assign(new Error('x'), { retryable: false }))).toBe('unknown');
    expect(classifyError('text')).toBe('unknown');
  });

  it('summarizes with a code', () => {
    expect(summarizeError(new PermanentError('RULE', 'broken'))).toEqual({ code: 'RULE', message: 'broken' });
    expect(summarizeError(new TypeError('t'))).toEqual({ code: 'TypeError', message: 't' });
  });
});
