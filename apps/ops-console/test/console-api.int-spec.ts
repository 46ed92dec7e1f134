// The console's HTTP API against real PostgreSQL and NATS JetStream: auth, plans, dead letters,
// the person timeline and the live feed.
import { AckPolicy, DeliverPolicy, headers as natsHeaders } from 'nats';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { DLQ_HEADERS } from '@skolkonto/messaging';
import { runCli } from '../src/cli';
import { aHeldPlan, ConsoleClient, ConsoleTestEnv, eventually, startConsole } from './support/console-test-env';

describe('ops-console API', () => {
  let env: ConsoleTestEnv;
  let admin: { username: string; password: string };
  let operator: { username: string; password: string };
  let viewer: { username: string; password: string };

  beforeAll(async () => {
    env = await startConsole('console-api');
    admin = await env.createOperator('ada', 'admin');
    operator = await env.createOperator('olle', 'operator', ['skara', 'lidkoping']);
    viewer = await env.createOperator('vera', 'viewer');
  });

  afterAll(async () => {
    await env?.close();
  });

  const signedIn = async (who: { username: string; password: string }) => {
    const client = new ConsoleClient(env.baseUrl);
    const res = await client.login(who.username, who.password);
    expect(res.status).toBe(200);
    return client;
  };

  describe('authentication', () => {
    it('answers 401 to every API request without a session', async () => {
      const anonymous = new ConsoleClient(env.baseUrl);
      for (const path of ['/api/live/tiles', '/api/plans', '/api/dead-letters', '/api/people?q=ab', '/api/auth/me', '/api/live/events']) {
        expect((await anonymous.request('GET', path)).status).toBe(401);
      }
      expect((await anonymous.request('POST', '/api/plans/x/approve', {})).status).toBe(401);
    });

    it('sets an HTTP-only SameSite=Strict session cookie and refuses a wrong password', async () => {
      const client = new ConsoleClient(env.baseUrl);
      expect((await client.login(admin.username, 'wrong-password-123')).status).toBe(401);
      expect((await client.login('nobody', 'wrong-password-123')).status).toBe(401);
      const ok = await client.login(admin.username, admin.password);
      expect(ok.status).toBe(200);
      const session = client.lastSetCookies.find((c) => c.startsWith('sk_console_session='))!;
      expect(session).toMatch(/HttpOnly/i);
      expect(session).toMatch(/SameSite=Strict/i);
      const me = await client.json('GET', '/api/auth/me');
      expect(me.body.operator).toMatchObject({ username: 'ada', role: 'admin', tenants: 'all' });
      // The database holds a hash of the session token, never the token.
      const token = session.split(';')[0]!.split('=')[1]!;
      expect(await env.prisma.consoleSession.count({ where: { tokenHash: token } })).toBe(0);
      expect(await env.prisma.consoleSession.count()).toBeGreaterThan(0);
    });

    it('refuses a login that does not come from the page (login CSRF)', async () => {
      const res = await fetch(`${env.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `username=${admin.username}&password=${admin.password}`,
      });
      expect(res.status).toBe(403);
    });

    it('refuses a state-changing request without the CSRF token, or with a wrong one', async () => {
      const client = await signedIn(operator);
      expect((await client.request('POST', '/api/dead-letters/replay', { sequences: [1] }, { 'X-CSRF-Token': '' })).status).toBe(403);
      expect((await client.request('POST', '/api/dead-letters/replay', { sequences: [1] }, { 'X-CSRF-Token': 'forged' })).status).toBe(403);
    });

    it('ends the session on logout', async () => {
      const client = await signedIn(viewer);
      expect((await client.request('POST', '/api/auth/logout')).status).toBe(204);
      expect((await client.request('GET', '/api/auth/me')).status).toBe(401);
    });

    it('lets only admins create operators, with a password hashed by argon2id', async () => {
      const adminClient = await signedIn(admin);
      const created = await adminClient.json('POST', '/api/operators', { username: 'nils', role: 'viewer', tenants: ['essunga'] });
      expect(created.status).toBe(201);
      expect(created.body.generatedPassword).toHaveLength(24);
      const row = await env.prisma.consoleOperator.findUniqueOrThrow({ where: { username: 'nils' } });
      expect(row.passwordHash).toMatch(/^\$argon2id\$/);
      const operatorClient = await signedIn(operator);
      expect((await operatorClient.request('POST', '/api/operators', { username: 'mallory', role: 'admin', tenants: 'all' })).status).toBe(403);
    });

    it('serves /health without a session and reports NATS and PostgreSQL', async () => {
      const res = await fetch(`${env.baseUrl}/health`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { details: Record<string, { status: string }> };
      expect(body.details.nats?.status).toBe('up');
      expect(body.details.postgresql?.status).toBe('up');
    });

    it('exposes Prometheus metrics without personal data in labels', async () => {
      await env.publishEvent('identity.skara.person.changed', { identityId: randomUUID(), version: 1 });
      const text = await eventually(async () => {
        const body = await (await fetch(`${env.baseUrl}/metrics`)).text();
        return /skolkonto_console_events_observed_total\{stream="IDENTITY"\} [1-9]/.test(body) ? body : undefined;
      }, 5000, 'the observed-events counter');
      expect(text).toContain('skolkonto_console_live_clients');
      expect(text).not.toMatch(/skara|identityId/);
    });
  });

  describe('create-admin CLI', () => {
    it('creates the first admin from a piped password, and refuses a second one with the same name', async () => {
      const out: string[] = [];
      const err: string[] = [];
      const io = { stdin: async () => 'a-long-enough-password', out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
      expect(await runCli(['create-admin', 'first.admin'], { DATABASE_URL: env.db.url }, io)).toBe(0);
      expect(out.join('\n')).not.toContain('a-long-enough-password');
      expect((await new ConsoleClient(env.baseUrl).login('first.admin', 'a-long-enough-password')).status).toBe(200);
      expect(await runCli(['create-admin', 'first.admin'], { DATABASE_URL: env.db.url }, io)).toBe(1);
      expect(err.join('\n')).toMatch(/already exists/);
    });

    it('generates a password and prints it once when none is piped in', async () => {
      const out: string[] = [];
      const io = { stdin: async () => '', out: (l: string) => out.push(l), err: () => undefined };
      expect(await runCli(['create-admin', 'second.admin'], { DATABASE_URL: env.db.url }, io)).toBe(0);
      const password = /password \(shown once, store it now\): (\S+)/.exec(out.join('\n'))![1]!;
      expect((await new ConsoleClient(env.baseUrl).login('second.admin', password)).status).toBe(200);
    });

    it('refuses a short password', async () => {
      const io = { stdin: async () => 'short', out: () => undefined, err: () => undefined };
      expect(await runCli(['create-admin', 'third.admin'], { DATABASE_URL: env.db.url }, io)).toBe(1);
    });
  });

  describe('plans', () => {
    it('records a held plan and lets an operator approve it, publishing who and when', async () => {
      const plan = aHeldPlan('skara');
      await env.publishEvent('ops.skara.plan.held', plan);
      const client = await signedIn(operator);
      const listed = await eventually(async () => {
        const { body } = await client.json<any[]>('GET', '/api/plans?status=held');
        return body.find((p) => p.planId === plan.planId);
      }, 5000, 'the held plan');
      expect(listed.operations.operations[1].after.note).not.toContain('20100101-1234');
      expect(listed.operations.operations[0]).toMatchObject({ action: 'disable', before: { enabled: true }, after: { enabled: false } });

      const viewerClient = await signedIn(viewer);
      expect((await viewerClient.request('POST', `/api/plans/${plan.planId}/approve`, {})).status).toBe(403);

      const approved = await client.json('POST', `/api/plans/${plan.planId}/approve`, { comment: 'term start' });
      expect(approved.status).toBe(200);
      expect(approved.body).toMatchObject({ status: 'approved', decidedBy: 'olle' });
      expect((await client.request('POST', `/api/plans/${plan.planId}/approve`, {})).status).toBe(409);

      const consumer = await env.nats.client.consumers.get(env.nats.streamName('OPS'), { filterSubjects: env.nats.subject('ops', 'skara', 'plan', 'approved') });
      const message = await consumer.next({ expires: 5000 });
      expect(message).not.toBeNull();
      const event = message!.json<any>();
      expect(event).toMatchObject({ type: 'se.skolkonto.ops.plan.approved.v1', tenant: 'skara', subject: plan.planId });
      expect(event.data).toMatchObject({ planId: plan.planId, sourceApp: 'ad-provisioner', decidedBy: 'olle', comment: 'term start' });
      expect(Date.parse(event.data.decidedAt)).not.toBeNaN();
    });

    it('needs a reason to reject, and hides other tenants\' plans from a limited operator', async () => {
      const own = aHeldPlan('lidkoping');
      const other = aHeldPlan('gotene');
      await env.publishEvent('ops.lidkoping.plan.held', own);
      await env.publishEvent('ops.gotene.plan.held', other);
      const client = await signedIn(operator);
      await eventually(async () => (await env.prisma.consolePlan.count({ where: { planId: { in: [own.planId, other.planId] } } })) === 2);
      const { body } = await client.json<any[]>('GET', '/api/plans');
      expect(body.map((p) => p.planId)).toContain(own.planId);
      expect(body.map((p) => p.planId)).not.toContain(other.planId);
      expect((await client.request('POST', `/api/plans/${other.planId}/approve`, {})).status).toBe(404);
      expect((await client.request('POST', `/api/plans/${own.planId}/reject`, {})).status).toBe(400);
      const rejected = await client.json('POST', `/api/plans/${own.planId}/reject`, { reason: 'wrong school year' });
      expect(rejected.body).toMatchObject({ status: 'rejected', decisionNote: 'wrong school year' });
    });
  });

  describe('dead letters', () => {
    // Stored the way libs/messaging dead-letters a message: original body, reason and origin in headers.
    const deadLetter = async (tenant: string, reason: string) => {
      const original = { id: randomUUID(), type: 'se.skolkonto.register.person.upserted.v1', tenant, data: { record: { id: randomUUID(), civicNo: { value: '201001011234' } } } };
      const h = natsHeaders();
      const [code, ...text] = reason.split(': ');
      h.set(DLQ_HEADERS.code, code!);
      h.set(DLQ_HEADERS.reason, text.join(': ') || 'failed');
      h.set(DLQ_HEADERS.attempts, '5');
      h.set(DLQ_HEADERS.consumer, 'identity-normalizer-normalize-person');
      h.set(DLQ_HEADERS.subject, `register.${tenant}.person.upserted`);
      const ack = await env.nats.client.publish(env.nats.subject('deadletter', 'register', tenant, 'person', 'upserted'), JSON.stringify(original), { headers: h });
      return { sequence: ack.seq, original };
    };

    it('shows reason and masked payload, replays to the original subject and records who did it', async () => {
      const { sequence, original } = await deadLetter('skara', 'SCHEMA_INVALID: record.names missing');
      const client = await signedIn(operator);
      const { body } = await client.json<any[]>('GET', '/api/dead-letters');
      const listed = body.find((d) => d.sequence === sequence);
      expect(listed).toMatchObject({ tenant: 'skara', originalSubject: 'register.skara.person.upserted', reason: 'SCHEMA_INVALID: record.names missing', attempts: '5', consumer: 'identity-normalizer-normalize-person' });
      expect(JSON.stringify(listed.payload)).not.toContain('201001011234');

      const viewerClient = await signedIn(viewer);
      expect((await viewerClient.request('POST', '/api/dead-letters/replay', { sequences: [sequence] })).status).toBe(403);

      const replayed = await client.json('POST', '/api/dead-letters/replay', { sequences: [sequence] });
      expect(replayed).toEqual({ status: 200, body: { replayed: [sequence] } });
      const message = await env.nats.manager.streams.getMessage(env.nats.streamName('REGISTER'), { last_by_subj: env.nats.subject('register', 'skara', 'person', 'upserted') });
      expect(message.json<any>().id).toBe(original.id);
      expect(message.header.get('Skolkonto-Replay-Of')).toBe(String(sequence));
      expect((await client.json<any[]>('GET', '/api/dead-letters')).body.find((d) => d.sequence === sequence)).toBeUndefined();
      expect(await env.prisma.consoleDeadLetterAction.findFirst({ where: { streamSequence: sequence } })).toMatchObject({ action: 'replayed', operator: 'olle' });
    });

    it('discards many with a recorded reason, and keeps other tenants\' dead letters out of reach', async () => {
      const a = await deadLetter('lidkoping', 'UNAVAILABLE: exhausted');
      const b = await deadLetter('lidkoping', 'UNAVAILABLE: exhausted');
      const foreign = await deadLetter('essunga', 'UNAVAILABLE: exhausted');
      const client = await signedIn(operator);
      expect((await client.json<any[]>('GET', '/api/dead-letters')).body.map((d) => d.sequence)).not.toContain(foreign.sequence);
      expect((await client.request('POST', '/api/dead-letters/discard', { sequences: [a.sequence], reason: '' })).status).toBe(400);
      expect((await client.request('POST', '/api/dead-letters/discard', { sequences: [foreign.sequence], reason: 'x' })).status).toBe(404);
      const discarded = await client.json('POST', '/api/dead-letters/discard', { sequences: [a.sequence, b.sequence], reason: 'pupil left before the fix' });
      expect(discarded.body).toEqual({ discarded: [a.sequence, b.sequence] });
      const actions = await env.prisma.consoleDeadLetterAction.findMany({ where: { action: 'discarded' } });
      expect(actions.map((x) => Number(x.streamSequence)).sort()).toEqual([a.sequence, b.sequence].sort());
      expect(actions.every((x) => x.reason === 'pupil left before the fix' && x.operator === 'olle')).toBe(true);
    });
  });

  describe('person timeline', () => {
    it('links register change → identity version → AD operation → federation release, searchable by account name and ePPN', async () => {
      const registerId = randomUUID();
      const identityId = randomUUID();
      await env.publishEvent('register.skara.person.upserted', {
        tenant: 'skara',
        observedAt: new Date().toISOString(),
        contentHash: 'a'.repeat(64),
        cause: 'delta',
        record: { id: registerId, givenName: 'Signe', familyName: 'Lund', civicNo: { value: '201203041234', nationality: 'SE' }, securityMarking: 'Ingen' },
      }, { entity: registerId });
      await env.publishEvent('identity.skara.person.changed', {
        identityId,
        tenant: 'skara',
        version: 1,
        status: 'active',
        names: { givenName: 'Signe', familyName: 'Lund', displayName: 'Signe Lund', protected: false },
        sourceRefs: [{ system: 'ss12000', entity: 'Person', id: registerId }],
        changedFields: ['names', 'enrolments'],
      });
      await env.publishEvent('directory.skara.account.provisioned', { identityId, tenant: 'skara', identityVersion: 1, sAMAccountName: 'sig12lun', distinguishedName: 'CN=Signe Lund,OU=Elever', enabled: true });
      await env.publishEvent('federation.skara.attributes.published', { identityId, tenant: 'skara', identityVersion: 1, attributes: { eduPersonPrincipalName: 'sig12lun@skara.skolkonto.se', eduPersonScopedAffiliation: ['student@skara.se'] } });

      const client = await signedIn(operator);
      const found = await eventually(async () => {
        const { body } = await client.json<any[]>('GET', '/api/people?q=sig12lun');
        return body.length === 1 && body[0].eppn ? body[0] : undefined;
      }, 5000, 'the person with account and ePPN');
      expect(found).toMatchObject({ personKey: identityId, displayName: 'Signe Lund', accountName: 'sig12lun', eppn: 'sig12lun@skara.skolkonto.se' });
      expect((await client.json<any[]>('GET', '/api/people?q=sig12lun@skara')).body).toHaveLength(1);

      const timeline = await client.json('GET', `/api/people/${identityId}/timeline`);
      expect(timeline.body.entries.map((e: any) => e.stage)).toEqual(['register', 'identity', 'directory', 'federation']);
      expect(timeline.body.entries[1].cause).toBe('changed: names, enrolments');
      expect(JSON.stringify(timeline.body)).not.toContain('201203041234');

      // Civic number: admins only, and only through the keyed hash.
      expect((await client.request('GET', '/api/people?q=20120304-1234')).status).toBe(403);
      const adminClient = await signedIn(admin);
      expect((await adminClient.json<any[]>('GET', '/api/people?q=20120304-1234')).body.map((p) => p.personKey)).toEqual([identityId]);
      const stored = await env.prisma.consoleRegisterPerson.findUniqueOrThrow({ where: { registerId } });
      expect(JSON.stringify(stored)).not.toContain('201203041234');

      // A viewer limited to another tenant sees nothing of her.
      const limited = await env.createOperator('gota', 'viewer', ['gotene']);
      const limitedClient = await signedIn(limited);
      expect((await limitedClient.json<any[]>('GET', '/api/people?q=Signe')).body).toEqual([]);
      expect((await limitedClient.request('GET', `/api/people/${identityId}/timeline`)).status).toBe(404);
    });
  });

  describe('live view', () => {
    it('streams a published event to a signed-in browser within 2 s, masked and filtered to the operator\'s tenants', async () => {
      const client = await signedIn(operator);
      const received: any[] = [];
      const request = http.get(`${env.baseUrl}/api/live/events?domain=identity`, { headers: { Cookie: client.cookieHeader, Accept: 'text/event-stream' } });
      const response = await new Promise<http.IncomingMessage>((resolve) => request.once('response', resolve));
      expect(response.statusCode).toBe(200);
      let buffer = '';
      response.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (block.includes('event: event') && data) received.push({ at: Date.now(), event: JSON.parse(data.slice(6)) });
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const foreignId = await env.publishEvent('identity.gotene.person.changed', { identityId: randomUUID(), version: 1 });
      const otherDomainId = await env.publishEvent('directory.skara.account.updated', { identityId: randomUUID() });
      const publishedAt = Date.now();
      const id = await env.publishEvent('identity.skara.person.changed', { identityId: randomUUID(), version: 3, civicNo: '201001011234' });
      const hit = await eventually(async () => received.find((r) => r.event.eventId === id), 2000, 'the live event');
      expect(hit.at - publishedAt).toBeLessThan(2000);
      expect(hit.event.data.civicNo).not.toBe('201001011234');
      expect(received.map((r) => r.event.eventId)).not.toContain(foreignId);
      expect(received.map((r) => r.event.eventId)).not.toContain(otherDomainId);
      request.destroy();

      const tiles = await client.json('GET', '/api/live/tiles');
      const skara = tiles.body.tiles.find((t: any) => t.tenant === 'skara');
      expect(skara.eventsPerMinute.identity).toBeGreaterThanOrEqual(1);
      expect(tiles.body.tiles.map((t: any) => t.tenant)).not.toContain('gotene');
      const throughput = await client.json<any[]>('GET', '/api/live/throughput');
      expect(throughput.body).toHaveLength(60);
      expect(throughput.body.at(-1).counts.identity).toBeGreaterThanOrEqual(1);
    });

    it('reports the lag of the services\' durable consumers and never adds one of its own', async () => {
      const stream = env.nats.streamName('IDENTITY');
      await env.nats.manager.consumers.add(stream, { durable_name: 'identity-consumer-under-test', ack_policy: AckPolicy.Explicit });
      await env.publishEvent('identity.skara.person.changed', { identityId: randomUUID(), version: 1 });
      const client = await signedIn(admin);
      const lag = await eventually(async () => {
        const { body } = await client.json('GET', '/api/live/tiles');
        return body.consumers.find((c: any) => c.consumer === 'identity-consumer-under-test' && c.pending > 0);
      }, 5000, 'consumer lag');
      expect(lag.stream).toBe('IDENTITY');
      const durables = (await env.nats.manager.consumers.list(stream).next()).filter((c) => c.config.durable_name);
      expect(durables.map((c) => c.name)).toEqual(['identity-consumer-under-test']);
      // Those totals mix every tenant: an operator limited to some does not get them.
      expect((await (await signedIn(operator)).json('GET', '/api/live/tiles')).body.consumers).toEqual([]);
    });

    it('shows each tenant only the lag of its own subjects, to operators who may see that tenant', async () => {
      // A service's consumer of every tenant's subjects, as the services declare them.
      const stream = env.nats.streamName('IDENTITY');
      const durable = 'identity-per-tenant-under-test';
      await env.nats.manager.consumers.add(stream, {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.New,
        filter_subject: env.nats.subject('identity', '*', 'person', 'changed'),
      });
      // skara's one event is handled; of gotene's three, one is being handled and two wait.
      await env.publishEvent('identity.skara.person.changed', { identityId: randomUUID(), version: 1 });
      for (let i = 0; i < 3; i++) await env.publishEvent('identity.gotene.person.changed', { identityId: randomUUID(), version: 1 });
      const consumer = await env.nats.client.consumers.get(stream, durable);
      const taken = [];
      for await (const m of await consumer.fetch({ max_messages: 2, expires: 2000 })) taken.push(m);
      expect(taken.map((m) => m.subject)).toEqual([env.nats.subject('identity.skara.person.changed'), env.nats.subject('identity.gotene.person.changed')]);
      await taken[0]!.ackAck();
      await env.publishEvent('identity.lidkoping.person.changed', { identityId: randomUUID(), version: 1 });
      const lagOf = (body: any, tenant: string) => body.tiles.find((t: any) => t.tenant === tenant)?.consumerLag.consumers.find((c: any) => c.consumer === durable);

      const admin_ = await signedIn(admin);
      const gotene = await eventually(async () => {
        const { body } = await admin_.json('GET', '/api/live/tiles');
        const lag = lagOf(body, 'gotene');
        return lag?.pending === 2 && lagOf(body, 'lidkoping')?.pending === 1 ? { lag, tile: body.tiles.find((t: any) => t.tenant === 'gotene') } : undefined;
      }, 8000, 'gotene\'s lag');
      expect(gotene.lag).toEqual({ stream: 'IDENTITY', consumer: durable, pending: 2, ackPending: 1, ackPendingExact: true });
      expect(gotene.tile.consumerLag.pending).toBeGreaterThanOrEqual(2);
      expect(gotene.tile.consumerLag.unattributed).toEqual([]);
      const all = (await admin_.json('GET', '/api/live/tiles')).body;
      expect(lagOf(all, 'skara')).toBeUndefined();
      expect(all.consumers.find((c: any) => c.consumer === durable)).toMatchObject({ pending: 3, ackPending: 1 });

      // olle sees skara and lidkoping: lidkoping's waiting event, nothing of gotene's.
      const limited = (await (await signedIn(operator)).json('GET', '/api/live/tiles')).body;
      expect(limited.tiles.map((t: any) => t.tenant)).not.toContain('gotene');
      expect(lagOf(limited, 'skara')).toBeUndefined();
      expect(lagOf(limited, 'lidkoping')).toMatchObject({ pending: 1, ackPending: 0 });
      expect(limited.consumers).toEqual([]);
      taken[1]!.ack();
    });
  });
});
