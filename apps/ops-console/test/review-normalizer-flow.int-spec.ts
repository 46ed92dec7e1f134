// The review loop with the real identity-normalizer, run as its own process (apps/identity-normalizer/dist)
// on the console's PostgreSQL database and NATS namespace, as they are deployed: two register persons
// of one tenant with the same civic number → the normalizer asks for a review → the console lists it
// → an operator links them in the console → the normalizer applies the decision (the other identity is
// deactivated as merged), which the console then shows.
import { EVENTS } from '@skolkonto/contracts';
import { EventPublisher, resolveMessagingOptions } from '@skolkonto/messaging';
import { repositoryRoot, testEnv } from '@skolkonto/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConsoleClient, ConsoleTestEnv, eventually, startConsole } from './support/console-test-env';

const NORMALIZER_MAIN = join(repositoryRoot, 'apps/identity-normalizer/dist/main.js');

/** A valid personnummer (check digit by the Luhn rule) for a birth date and serial. */
function civicNumber(date: string, serial: number): string {
  const first11 = date.replace(/-/g, '') + String(serial).padStart(3, '0');
  const sum = first11
    .slice(2)
    .split('')
    .map((d, i) => Number(d) * (i % 2 === 0 ? 2 : 1))
    .reduce((total, d) => total + (d > 9 ? d - 9 : d), 0);
  return first11 + String((10 - (sum % 10)) % 10);
}

describe('review loop with the real identity-normalizer', () => {
  const tenant = 'skara';
  let env: ConsoleTestEnv;
  let normalizer: ChildProcess | undefined;
  let output = '';
  let publisher: EventPublisher;

  beforeAll(async () => {
    if (!existsSync(NORMALIZER_MAIN))
      throw new Error(
        `${NORMALIZER_MAIN} is missing: build it first (npx nx run @skolkonto/identity-normalizer:build)`,
      );
    env = await startConsole('console-review-flow');
    const { nats } = testEnv();
    normalizer = spawn(process.execPath, [NORMALIZER_MAIN], {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        PORT: '0',
        DATABASE_URL: env.db.url,
        NATS_URL: nats.url,
        NATS_NAMESPACE: env.nats.namespace,
        TENANTS_FILE: join(repositoryRoot, 'config/tenants.yaml'),
      },
    });
    normalizer.stdout!.on('data', (chunk) => (output += chunk));
    normalizer.stderr!.on('data', (chunk) => (output += chunk));
    await eventually(
      async () => {
        if (normalizer!.exitCode !== null)
          throw new Error(`identity-normalizer exited with ${normalizer!.exitCode}:\n${output.slice(-3000)}`);
        // Its durable consumer for decisions exists once its microservice has started.
        return env.nats.manager.consumers
          .info(env.nats.streamName('OPS'), 'identity-normalizer-resolve-review')
          .then(
            () => true,
            () => false,
          );
      },
      60_000,
      'identity-normalizer to start its consumers',
    );
    publisher = new EventPublisher(
      env.nats.client,
      resolveMessagingOptions({ servers: nats.url, app: 'test', namespace: env.nats.namespace }),
    );
  }, 90_000);

  afterAll(async () => {
    if (normalizer && normalizer.exitCode === null) {
      const exited = new Promise((resolve) => normalizer!.once('exit', resolve));
      normalizer.kill('SIGTERM');
      await exited;
    }
    await env?.close();
  });

  const upsert = (
    definition: typeof EVENTS.registerPersonUpserted | typeof EVENTS.registerOrganisationUpserted,
    record: Record<string, unknown>,
  ) =>
    publisher.publish(definition as typeof EVENTS.registerPersonUpserted, {
      tenant,
      data: {
        tenant,
        observedAt: new Date().toISOString(),
        contentHash: createHash('sha256').update(JSON.stringify(record)).digest('hex'),
        cause: 'delta',
        record: record as never,
      },
    });

  it("lists the review the normalizer raises, and the normalizer applies the operator's link", async () => {
    const number = civicNumber('2011-04-05', 417);
    const unit = {
      id: randomUUID(),
      displayName: 'Vallhamra skola',
      organisationType: 'Skolenhet',
      schoolUnitCode: '12345678',
    };
    const person = (givenName: string) => ({
      id: randomUUID(),
      givenName,
      familyName: 'Holm',
      civicNo: { value: number, nationality: 'SE' },
      securityMarking: 'Ingen',
      enrolments: [
        {
          enroledAt: { id: unit.id },
          schoolType: 'GR',
          schoolYear: 7,
          startDate: '2026-08-15',
          endDate: '2099-06-15',
        },
      ],
    });
    const [first, second] = [person('Elsa'), person('Elsa Maria')];
    await upsert(EVENTS.registerOrganisationUpserted, unit);
    await upsert(EVENTS.registerPersonUpserted, first);
    const client = new ConsoleClient(env.baseUrl);
    const operator = await env.createOperator('olle', 'operator', [tenant]);
    expect((await client.login(operator.username, operator.password)).status).toBe(200);
    // The first identity exists before the second person arrives, so the second raises the review.
    await eventually(
      async () => (await client.json<any[]>('GET', '/api/people?q=Elsa Holm')).body.length === 1,
      20_000,
      'the first identity in the console',
    );
    await upsert(EVENTS.registerPersonUpserted, second);

    const review = await eventually(
      async () => {
        const { body } = await client.json<any[]>('GET', '/api/reviews?status=open');
        const found = body.find((r) => r.record.id === second.id);
        return found?.candidates.length === 2 && found.candidates.every((c: any) => c.displayName)
          ? found
          : undefined;
      },
      20_000,
      "the normalizer's review in the console",
    );
    expect(review).toMatchObject({ tenant, sourceApp: 'identity-normalizer', kind: 'civic-number-conflict' });
    expect(review.candidates.map((c: any) => c.displayName).sort()).toEqual(['Elsa Holm', 'Elsa Maria Holm']);
    expect(JSON.stringify(review)).not.toContain(number.slice(2));
    const keep = review.candidates.find((c: any) => c.registerIds.includes(first.id)).identityId as string;
    const merged = review.candidates.find((c: any) => c.registerIds.includes(second.id)).identityId as string;

    const resolved = await client.json('POST', `/api/reviews/${review.reviewId}/resolve`, {
      decision: 'link',
      keepIdentityId: keep,
      comment: 'one pupil, registered twice by the school',
    });
    expect(resolved).toMatchObject({
      status: 200,
      body: { status: 'resolved', decision: 'link', keepIdentityId: keep, decidedBy: 'olle' },
    });

    // The normalizer applies it: the other identity is deactivated as merged, which the console sees.
    const after = await eventually(
      async () => {
        const { body } = await client.json<any[]>('GET', '/api/reviews?status=resolved');
        const found = body.find((r) => r.reviewId === review.reviewId);
        return found?.candidates.find((c: any) => c.identityId === merged)?.status === 'deactivated'
          ? found
          : undefined;
      },
      20_000,
      'the merged identity deactivated',
    );
    expect(after.candidates.find((c: any) => c.identityId === keep).status).toBe('active');
    const timeline = await client.json('GET', `/api/people/${merged}/timeline`);
    expect(timeline.body.entries.at(-1)).toMatchObject({
      stage: 'identity',
      type: 'se.skolkonto.identity.person.deactivated.v1',
      cause: 'merged',
    });

    // The normalizer's own record of the decision (same database, its table).
    const rows = await env.prisma.$queryRawUnsafe(
      'SELECT decision, kept_identity_id::text AS kept, decided_by FROM normalizer_review_item WHERE review_id = $1::uuid',
      review.reviewId,
    );
    expect(rows).toEqual([{ decision: 'link', kept: keep, decided_by: 'olle' }]);
    expect(output).not.toContain(number);
  });
});
