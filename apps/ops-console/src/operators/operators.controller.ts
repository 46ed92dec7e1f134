import { BadRequestException, Body, ConflictException, Controller, Get, Post } from '@nestjs/common';
import { PrismaClient } from '@skolkonto/persistence';
import { RequireRole } from '../auth/auth.guard';
import { isRole } from '../auth/roles';
import { CreateOperatorService, OperatorError } from './create-operator.service';

/** Admins manage colleagues' accounts; passwords are set by the new operator or generated once. */
@Controller('api/operators')
@RequireRole('admin')
export class OperatorsController {
  constructor(
    private readonly createOperator: CreateOperatorService,
    private readonly prisma: PrismaClient,
  ) {}

  @Get()
  async list() {
    const operators = await this.prisma.consoleOperator.findMany({ orderBy: { username: 'asc' } });
    return operators.map((o) => ({
      id: o.id,
      username: o.username,
      role: o.role,
      tenants: o.allTenants ? 'all' : o.tenants,
      disabled: o.disabled,
    }));
  }

  @Post()
  async create(@Body() body: { username?: unknown; role?: unknown; tenants?: unknown; password?: unknown }) {
    if (typeof body.username !== 'string' || !isRole(body.role)) throw new BadRequestException('username and role are required');
    const tenants =
      body.tenants === 'all' ? 'all' : Array.isArray(body.tenants) && body.tenants.every((t) => typeof t === 'string') ? (body.tenants as string[]) : undefined;
    if (!tenants) throw new BadRequestException('tenants: "all" or a list of tenant ids');
    try {
      return await this.createOperator.create({
        username: body.username,
        role: body.role,
        tenants,
        password: typeof body.password === 'string' ? body.password : undefined,
      });
    } catch (error) {
      if (error instanceof OperatorError) {
        if (error.code === 'ALREADY_EXISTS') throw new ConflictException(error.message);
        throw new BadRequestException(error.message);
      }
      throw error;
    }
  }
}
