// The review queue against real PostgreSQL and NATS JetStream: ops.<tenant>.review.requested arrives
// on the OPS stream and is listed for the operator's tenants with what the console knows of each
// candidate (never a civic number); an operator resolves it with a decision and a comment, which is
// audited and published as a contract-valid ops.<tenant>.review.resolved through the console outbox.
import { EVENTS, ReviewRequestedV1, validateCloudEvent } from '@skolkonto/contracts';
import { EventPublisher, resolveMessagingOptions } from '@skolkonto/messaging';
import { testEnv } from '@skolkonto/testing';
import { randomUUID } from 'node:crypto';
import { ConsoleClient, ConsoleTestEnv, eventually, startConsole } from './support/console-test-env';

describe('ops-console review queue', () => {
  let env: ConsoleTestEnv;
  let publisher: EventPublisher;
  let admin: { username: string; password: string };
  let operator: { username: string; password: string };
  let viewer: { username: string; password: string };

  beforeAll(async () => {
    env = await startConsole('console-reviews');
    publisher = new EventPublisher(
      env.nats.client,
      resolveMessagingOptions({ servers: testEnv().nats.url, app: 'test', namespace: env.nats.namespace }),
    );
    admin = await env.createOperator('ada', 'admin');
    operator = await env.createOperator('olle', 'operator', ['skara']);
    viewer = await env.createOperator('vera', 'viewer');
  });
  afterAll(async () => {
    await env?.close();
  });

  const signedIn = async (who: { username: string; password: string }) => {
    const client = new ConsoleClient(env.baseUrl);
    expect((await client.login(who.username, who.password)).status).toBe(200);
    return client;
  };

  /** Two persons of `tenant` with one civic number, as the register and the normalizer announce them, and the review. */
  async function aConflict(tenant: string, civicNumber: string) {
    const people = [
      {
        registerId: randomUUID(),
        identityId: randomUUID(),
        givenName: 'Elsa',
        account: `els${randomUUID().slice(0, 4)}`,
      },
      {
        registerId: randomUUID(),
        identityId: randomUUID(),
        givenName: 'Elsa M',
        account: `elm${randomUUID().slice(0, 4)}`,
      },
    ];
    for (const p of people) {
      await env.publishEvent(
        `register.${tenant}.person.upserted`,
        {
          tenant,
          cause: 'delta',
          record: {
            id: p.registerId,
            givenName: p.givenName,
            familyName: 'Holm',
            civicNo: { value: civicNumber },
            securityMarking: 'Ingen',
          },
        },
        { entity: p.registerId },
      );
      await env.publishEvent(`identity.${tenant}.person.changed`, {
        identityId: p.identityId,
        tenant,
        version: 1,
        status: 'active',
        names: { displayName: `${p.givenName} Holm` },
        sourceRefs: [{ system: 'ss12000', entity: 'Person', id: p.registerId }],
        changedFields: ['names'],
      });
      await env.publishEvent(`directory.${tenant}.account.provisioned`, {
        identityId: p.identityId,
        tenant,
        identityVersion: 1,
        sAMAccountName: p.account,
        enabled: true,
      });
    }
    const data: ReviewRequestedV1 = {
      reviewId: randomUUID(),
      tenant,
      sourceApp: 'identity-normalizer',
      kind: 'civic-number-conflict',
      record: { system: 'ss12000', entity: 'Person', id: people[1]!.registerId },
      candidates: people.map((p) => ({ identityId: p.identityId, matchedOn: ['same civic number'] })),
      reason:
        'The same civic number is held by more than one active person in this tenant; not merged automatically.',
      requestedAt: new Date().toISOString(),
    };
    await publisher.publish(EVENTS.opsReviewRequested, { tenant, data });
    return { reviewId: data.reviewId, people };
  }

  const listed = (client: ConsoleClient, reviewId: string, query = '') =>
    eventually(
      async () => {
        const { body } = await client.json<any[]>('GET', `/api/reviews${query}`);
        const review = body.find((r) => r.reviewId === reviewId);
        return review?.candidates.every((c: any) => c.accountName) ? review : undefined;
      },
      5000,
      'the review with its candidates',
    );

  it('answers 401 without a session', async () => {
    const anonymous = new ConsoleClient(env.baseUrl);
    expect((await anonymous.request('GET', '/api/reviews')).status).toBe(401);
    expect(
      (
        await anonymous.request('POST', `/api/reviews/${randomUUID()}/resolve`, {
          decision: 'keep-separate',
          comment: 'x',
        })
      ).status,
    ).toBe(401);
  });

  it("lists an open review with its candidates, never their civic number, only for the operator's tenants", async () => {
    const { reviewId, people } = await aConflict('skara', '201104051239');
    const client = await signedIn(operator);
    const review = await listed(client, reviewId, '?status=open');
    expect(review).toMatchObject({
      tenant: 'skara',
      sourceApp: 'identity-normalizer',
      kind: 'civic-number-conflict',
      status: 'open',
      record: { entity: 'Person', id: people[1]!.registerId },
    });
    expect(review.candidates).toEqual(
      people.map((p) => ({
        identityId: p.identityId,
        matchedOn: ['same civic number'],
        displayName: `${p.givenName} Holm`,
        accountName: p.account,
        eppn: null,
        registerIds: [p.registerId],
        status: 'active',
        version: 1,
      })),
    );
    expect(JSON.stringify(review)).not.toMatch(/201104051239|110405-?1239/);

    const tiles = await client.json('GET', '/api/live/tiles');
    expect(tiles.body.tiles.find((t: any) => t.tenant === 'skara').openReviews).toBeGreaterThanOrEqual(1);

    // Another tenant's review: not listed, not resolvable (404, as if it did not exist).
    const foreign = await aConflict('gotene', '201104061238');
    await eventually(
      async () => (await env.prisma.consoleReview.count({ where: { reviewId: foreign.reviewId } })) === 1,
      5000,
      'the foreign review',
    );
    expect((await client.json<any[]>('GET', '/api/reviews')).body.map((r) => r.reviewId)).not.toContain(
      foreign.reviewId,
    );
    expect((await client.json<any[]>('GET', '/api/reviews?tenant=gotene')).body).toEqual([]);
    expect(
      (
        await client.request('POST', `/api/reviews/${foreign.reviewId}/resolve`, {
          decision: 'keep-separate',
          comment: 'twins',
        })
      ).status,
    ).toBe(404);
  });

  it("finds a person's reviews by civic number for admins only", async () => {
    const { reviewId } = await aConflict('skara', '201203071232');
    const operatorClient = await signedIn(operator);
    await listed(operatorClient, reviewId);
    expect((await operatorClient.request('GET', '/api/reviews?civicNumber=20120307-1232')).status).toBe(403);
    const adminClient = await signedIn(admin);
    const found = await adminClient.json<any[]>('GET', '/api/reviews?civicNumber=120307-1232');
    expect(found.status).toBe(200);
    expect(found.body.map((r) => r.reviewId)).toEqual([reviewId]);
    expect((await adminClient.json<any[]>('GET', '/api/reviews?civicNumber=20120307-9999')).body).toEqual([]);
    expect((await adminClient.request('GET', '/api/reviews?civicNumber=nope')).status).toBe(400);
  });

  it('lets an operator link the candidates with a comment — audited, published valid, and never twice', async () => {
    const { reviewId, people } = await aConflict('skara', '201009081236');
    const [keep, other] = people.map((p) => p.identityId) as [string, string];
    const client = await signedIn(operator);
    await listed(client, reviewId);

    const viewerClient = await signedIn(viewer);
    expect(
      (
        await viewerClient.request('POST', `/api/reviews/${reviewId}/resolve`, {
          decision: 'link',
          keepIdentityId: keep,
          comment: 'same pupil',
        })
      ).status,
    ).toBe(403);

    const refused = async (body: unknown) => client.json('POST', `/api/reviews/${reviewId}/resolve`, body);
    expect(await refused({ decision: 'link', keepIdentityId: keep })).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/^comment: required/) },
    });
    expect(await refused({ decision: 'link', keepIdentityId: randomUUID(), comment: 'x' })).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/^keepIdentityId/) },
    });
    expect(await refused({ decision: 'merge', comment: 'x' })).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/^decision/) },
    });
    expect(await env.prisma.consoleOutbox.count({ where: { subject: 'ops.skara.review.resolved' } })).toBe(0);

    const resolved = await client.json('POST', `/api/reviews/${reviewId}/resolve`, {
      decision: 'link',
      keepIdentityId: keep,
      comment: 'Same pupil: the school re-registered her (ref 20100908-1236).',
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({
      reviewId,
      status: 'resolved',
      decision: 'link',
      keepIdentityId: keep,
      decidedBy: 'olle',
    });
    expect(resolved.body.comment).toMatch(/^Same pupil: the school re-registered her \(ref •+\)\.$/);
    const second = await client.json('POST', `/api/reviews/${reviewId}/resolve`, {
      decision: 'keep-separate',
      comment: 'changed my mind',
    });
    expect(second.status).toBe(409);

    const consumer = await env.nats.client.consumers.get(env.nats.streamName('OPS'), {
      filterSubjects: env.nats.subject('ops', 'skara', 'review', 'resolved'),
    });
    const message = await consumer.next({ expires: 5000 });
    expect(message).not.toBeNull();
    const event = message!.json<any>();
    expect(validateCloudEvent(event)).toEqual([]);
    expect(event).toMatchObject({
      type: 'se.skolkonto.ops.review.resolved.v1',
      source: expect.stringContaining('ops-console'),
      tenant: 'skara',
      subject: reviewId,
    });
    expect(event.data).toEqual({
      reviewId,
      tenant: 'skara',
      sourceApp: 'identity-normalizer',
      decision: 'link',
      keepIdentityId: keep,
      decidedBy: 'olle',
      decidedAt: resolved.body.decidedAt,
      comment: resolved.body.comment,
    });
    expect(JSON.stringify(event)).not.toContain('20100908');

    const audit = await env.prisma.consoleAuditEntry.findMany({ where: { target: `review:${reviewId}` } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      operator: 'olle',
      action: 'review.resolved',
      tenant: 'skara',
      detail: { decision: 'link', keepIdentityId: keep, candidates: [keep, other], eventId: event.id },
    });
    expect(audit[0]!.at.toISOString()).toBe(resolved.body.decidedAt);

    // The console also reads its own published decision back from the stream: still resolved, still by olle.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { body } = await client.json<any[]>('GET', '/api/reviews?status=resolved');
    expect(body.find((r) => r.reviewId === reviewId)).toMatchObject({ decision: 'link', decidedBy: 'olle' });
  });

  it('records keep-separate without an identity to keep', async () => {
    const { reviewId } = await aConflict('skara', '201302031235');
    const client = await signedIn(admin);
    await listed(client, reviewId);
    const resolved = await client.json('POST', `/api/reviews/${reviewId}/resolve`, {
      decision: 'keep-separate',
      comment: 'twins, the register has a typo in one number',
    });
    expect(resolved.body).toMatchObject({
      status: 'resolved',
      decision: 'keep-separate',
      keepIdentityId: null,
      decidedBy: 'ada',
    });
    const row = await env.prisma.consoleOutbox.findFirstOrThrow({
      where: {
        subject: 'ops.skara.review.resolved',
        payload: { path: ['data', 'reviewId'], equals: reviewId },
      },
    });
    expect((row.payload as any).data).not.toHaveProperty('keepIdentityId');
    expect(
      (
        await client.request('POST', `/api/reviews/${reviewId}/resolve`, {
          decision: 'keep-separate',
          comment: 'again',
        })
      ).status,
    ).toBe(409);
  });
});
