import { type DynamicModule, type INestApplication, Module } from '@nestjs/common';
import { traceRequests } from '@skolkonto/platform';
import { json, type NextFunction, type Request, type Response } from 'express';
import { IssueCodesService } from '../issue-codes/issue-codes.service';
import { ManageLockoutsService } from '../manage-lockouts/manage-lockouts.service';
import { AdminApiController } from './admin-api.controller';
import { ADMIN_TOKEN, AdminTokenGuard } from './admin-token.guard';

/** The admin listener: its own Nest app over the main app's services (main.ts passes them in). */
@Module({})
export class AdminApiModule {
  static register(input: {
    token: string;
    issueCodes: IssueCodesService;
    lockouts: ManageLockoutsService;
  }): DynamicModule {
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

/**
 * The admin app's tracing and JSON parsing (the app is created with bodyParser: false): a body that is not
 * JSON gets the API's own 400 { message } instead of the parser's text.
 */
export function configureAdminApp(app: INestApplication): void {
  // The console sends its operator request's traceparent: the portal's log lines continue that trace.
  app.use(traceRequests);
  app.use(json({ limit: '256kb' }));
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (error instanceof SyntaxError || (error as { type?: string } | null)?.type === 'entity.parse.failed') {
      res.status(400).json({ message: 'body: must be valid JSON' });
      return;
    }
    next(error);
  });
}
