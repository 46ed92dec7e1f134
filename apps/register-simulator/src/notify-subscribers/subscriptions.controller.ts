// POST/GET/PATCH/DELETE /subscriptions of each simulated register (SS 12000 v2.1 webhooks).
import { Body, Controller, Delete, Get, Headers, Inject, Param, Patch, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { authorise, sendError } from '../serve-register/register-api.controller';
import { TenantAuth } from '../serve-register/tenant-auth';
import { SubscriptionsService } from './subscriptions.service';

type HeaderMap = Record<string, string | string[] | undefined>;

@Controller('tenants/:tenant/v2.1/subscriptions')
export class SubscriptionsController {
  constructor(
    @Inject(SubscriptionsService) private readonly subscriptions: SubscriptionsService,
    @Inject(TenantAuth) private readonly auth: TenantAuth,
  ) {}

  @Get()
  async list(
    @Param('tenant') tenant: string,
    @Headers() headers: HeaderMap,
    @Res() res: Response,
  ): Promise<void> {
    if (!authorise(this.auth, tenant, headers, res)) return;
    res.json({ data: await this.subscriptions.list(tenant), pageToken: null });
  }

  @Post()
  async create(
    @Param('tenant') tenant: string,
    @Body() body: unknown,
    @Headers() headers: HeaderMap,
    @Res() res: Response,
  ): Promise<void> {
    if (!authorise(this.auth, tenant, headers, res)) return;
    try {
      res.status(201).json(await this.subscriptions.create(tenant, body));
    } catch (error) {
      sendError(res, error);
    }
  }

  @Get(':id')
  async one(
    @Param('tenant') tenant: string,
    @Param('id') id: string,
    @Headers() headers: HeaderMap,
    @Res() res: Response,
  ): Promise<void> {
    if (!authorise(this.auth, tenant, headers, res)) return;
    try {
      res.json(await this.subscriptions.get(tenant, id));
    } catch (error) {
      sendError(res, error);
    }
  }

  @Patch(':id')
  async renew(
    @Param('tenant') tenant: string,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers() headers: HeaderMap,
    @Res() res: Response,
  ): Promise<void> {
    if (!authorise(this.auth, tenant, headers, res)) return;
    try {
      res.json(await this.subscriptions.renew(tenant, id, body));
    } catch (error) {
      sendError(res, error);
    }
  }

  @Delete(':id')
  async remove(
    @Param('tenant') tenant: string,
    @Param('id') id: string,
    @Headers() headers: HeaderMap,
    @Res() res: Response,
  ): Promise<void> {
    if (!authorise(this.auth, tenant, headers, res)) return;
    try {
      await this.subscriptions.remove(tenant, id);
      res.status(204).end();
    } catch (error) {
      sendError(res, error);
    }
  }
}
