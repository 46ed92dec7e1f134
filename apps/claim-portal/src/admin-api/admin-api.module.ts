import { type DynamicModule, Module } from '@nestjs/common';
import { IssueCodesService } from '../issue-codes/issue-codes.service';
import { ManageLockoutsService } from '../manage-lockouts/manage-lockouts.service';
import { AdminApiController } from './admin-api.controller';
import { ADMIN_TOKEN, AdminTokenGuard } from './admin-token.guard';

/** The admin listener: its own Nest app over the main app's services (main.ts passes them in). */
@Module({})
export class AdminApiModule {
  static register(input: { token: string; issueCodes: IssueCodesService; lockouts: ManageLockoutsService }): DynamicModule {
    return {
      module: AdminApiModule,
      controllers: [AdminApiController],
      providers: [
        { provide: ADMIN_TOKEN, useValue: input.token },
        AdminTokenGuard,
        { provide: IssueCodesService, useValue: input.issueCodes },
        { provide: ManageLockoutsService, useValue: input.lockouts },
      ],
    };
  }
}
