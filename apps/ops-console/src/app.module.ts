import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { PlatformModule, TenantConfig } from '@skolkonto/platform';
import { APP_GUARD } from '@nestjs/core';
import { AuthController } from './auth/auth.controller';
import { ClaimAdminClient } from './claim-codes/claim-admin.client';
import { ClaimCodesController } from './claim-codes/claim-codes.controller';
import { ClaimCodesService } from './claim-codes/claim-codes.service';
import { AuthGuard } from './auth/auth.guard';
import { SessionService } from './auth/session.service';
import { ConsoleConfig } from './config';
import { DemoChangesController, DemoChangesService } from './demo-changes/demo-changes';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { DeadLettersService } from './dead-letters/dead-letters.service';
import { ConsoleHealthChecks } from './health-checks';
import { WebUiMiddleware } from './web-ui.middleware';
import { LiveViewController } from './live-view/live-view.controller';
import { LiveViewService } from './live-view/live-view.service';
import { TenantLagService } from './live-view/tenant-lag.service';
import { ThroughputRepository } from './live-view/throughput.repository';
import { CreateOperatorService } from './operators/create-operator.service';
import { OperatorsController } from './operators/operators.controller';
import { ConsoleOutboxRelay } from './outbox/console-outbox';
import { RegisterSyncService } from './register-sync/register-sync.service';
import { PersonTimelineController } from './person-timeline/person-timeline.controller';
import { PersonTimelineService } from './person-timeline/person-timeline.service';
import { TimelineProjection } from './person-timeline/timeline.projection';
import { PlansProjection } from './review-plans/plans.projection';
import { ReviewPlansController } from './review-plans/review-plans.controller';
import { ReviewPlansService } from './review-plans/review-plans.service';
import { ReviewQueueController } from './review-queue/review-queue.controller';
import { ReviewQueueService } from './review-queue/review-queue.service';
import { ReviewsProjection } from './review-queue/reviews.projection';
import { CONSOLE_CONFIG, prismaProvider } from './shared/prisma.provider';
import { JetStreamGateway } from './stream-watch/jetstream-gateway';
import { PROJECTIONS, StreamWatcherService } from './stream-watch/stream-watcher.service';

@Module({})
export class AppModule implements NestModule {
  static forRoot(config: ConsoleConfig, tenants: TenantConfig[]): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot(config, tenants)],
      controllers: [
        AuthController,
        OperatorsController,
        LiveViewController,
        ReviewPlansController,
        ReviewQueueController,
        DeadLettersController,
        PersonTimelineController,
        ClaimCodesController,
        DemoChangesController,
      ],
      providers: [
        { provide: CONSOLE_CONFIG, useValue: config },
        prismaProvider,
        { provide: APP_GUARD, useClass: AuthGuard },
        SessionService,
        CreateOperatorService,
        JetStreamGateway,
        ConsoleOutboxRelay,
        PlansProjection,
        TimelineProjection,
        ReviewsProjection,
        { provide: PROJECTIONS, inject: [PlansProjection, TimelineProjection, ReviewsProjection], useFactory: (...p: unknown[]) => p },
        ThroughputRepository,
        StreamWatcherService,
        RegisterSyncService,
        TenantLagService,
        LiveViewService,
        ReviewPlansService,
        ReviewQueueService,
        DeadLettersService,
        PersonTimelineService,
        ConsoleHealthChecks,
        ClaimAdminClient,
        ClaimCodesService,
        DemoChangesService,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(WebUiMiddleware).forRoutes('*');
  }
}
