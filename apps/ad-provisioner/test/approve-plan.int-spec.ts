// The operator endpoint: a held plan is approved over HTTP with the bearer token and applied
// exactly once; without the token nothing happens.
import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { attributeString } from '@skolkonto/directory';
import { ADMIN_TOKEN, AdminTokenGuard } from '../src/approve-plan/admin-token.guard';
import { ApprovePlanController } from '../src/approve-plan/approve-plan.controller';
import { ApprovePlanService } from '../src/approve-plan/approve-plan.service';
import { aStaffMember, nextVersion } from './builders';
import { createHarness, type Harness } from './provisioner-harness';

const TOKEN = 'test-operator-token-0123456789';
let h: Harness;
let app: INestApplication;
let baseUrl: string;

beforeAll(async () => {
  h = await createHarness();
  @Module({
    controllers: [ApprovePlanController],
    providers: [{ provide: ApprovePlanService, useValue: h.approvals }, { provide: ADMIN_TOKEN, useValue: TOKEN }, AdminTokenGuard],
  })
  class TestModule {}
  app = await NestFactory.create(TestModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  baseUrl = await app.getUrl();
});
afterAll(async () => {
  await app?.close();
  await h?.close();
});

it('applies a held plan once when approved with the operator token', async () => {
  const layout = h.layout('alpha');
  const people = Array.from({ length: 4 }, (_, i) => aStaffMember({ givenName: 'Http', familyName: `Leaver${i}` }));
  await h.provision.provisionBatch(layout, people.map((identity) => ({ identity })));
  const outcome = await h.provision.provisionBatch(layout, people.map((p) => ({ identity: nextVersion(p, { status: 'deactivated' }) })));
  expect(outcome.status).toBe('held');
  if (outcome.status !== 'held') return;

  const approve = (headers: Record<string, string>) => fetch(`${baseUrl}/plans/${outcome.planId}/approve`, { method: 'POST', headers });
  expect((await approve({})).status).toBe(401);
  expect((await approve({ authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
  const list = await fetch(`${baseUrl}/plans?tenant=alpha`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(((await list.json()) as Array<{ id: string }>).map((p) => p.id)).toEqual([outcome.planId]);
  for (const p of people) {
    const link = await h.prisma.accountLink.findUniqueOrThrow({ where: { tenant_identityId: { tenant: 'alpha', identityId: p.identityId } } });
    expect(link.enabled).toBe(true);
  }

  const ok = await approve({ authorization: `Bearer ${TOKEN}`, 'x-operator': 'op-anna' });
  expect(ok.status).toBe(200);
  expect(await ok.json()).toMatchObject({ applied: 4, failed: 0 });
  for (const p of people) {
    const link = await h.prisma.accountLink.findUniqueOrThrow({ where: { tenant_identityId: { tenant: 'alpha', identityId: p.identityId } } });
    const entry = await h.directory.findEntry(`<GUID=${link.objectGuid}>`, ['userAccountControl']);
    expect(attributeString(entry!, 'userAccountControl')).toBe('514');
  }
  const again = await approve({ authorization: `Bearer ${TOKEN}` });
  expect(again.status).toBe(409);
  expect((await h.outbox('directory.alpha.account.disabled')).length).toBe(4);
});
