import { applyDecorators, Module, UseGuards, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ThrottlerModule } from '@nestjs/throttler';
import { ApiErrorResponses } from '@wfp/http-kit';
import { ADMIN_TOKEN, AdminTokenGuard, ApiKeyGuard } from './guards';
import { AdminSessions } from './admin-session';
import { CallbackReceipt, CallbackReceiptSchema } from './callback-receipt.schema';
import { CallbackReceiptsService } from './callback-receipts.service';
import { IdempotencyRecord, IdempotencyRecordSchema } from './idempotency-record.schema';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyRepository } from './idempotency.repository';
import { ApiKey, ApiKeySchema, Organization, OrganizationSchema } from './organization.schema';
import { OrganizationsService } from './organizations.service';
import { HitWindowStorage } from './hit-window.storage';
import { ApiKeyRateLimitGuard } from './rate-limit.guard';

export interface ApiAccessOptions {
  adminToken: string;
  /** Requests one API key may make per window. */
  rateLimit: number;
  rateLimitWindowMs: number;
}

@Module({})
export class ApiAccessModule {
  static register(options: ApiAccessOptions): DynamicModule {
    return {
      module: ApiAccessModule,
      global: true,
      imports: [
        MongooseModule.forFeature([
          { name: Organization.name, schema: OrganizationSchema },
          { name: ApiKey.name, schema: ApiKeySchema },
          { name: IdempotencyRecord.name, schema: IdempotencyRecordSchema },
          { name: CallbackReceipt.name, schema: CallbackReceiptSchema },
        ]),
        ThrottlerModule.forRoot({
          throttlers: [{ ttl: options.rateLimitWindowMs, limit: options.rateLimit }],
          storage: new HitWindowStorage(),
        }),
      ],
      providers: [
        { provide: ADMIN_TOKEN, useValue: options.adminToken },
        { provide: AdminSessions, useValue: new AdminSessions(options.adminToken) },
        OrganizationsService,
        ApiKeyGuard,
        AdminTokenGuard,
        ApiKeyRateLimitGuard,
        IdempotencyRepository,
        IdempotencyInterceptor,
        CallbackReceiptsService,
      ],
      exports: [
        OrganizationsService,
        ApiKeyGuard,
        AdminTokenGuard,
        ApiKeyRateLimitGuard,
        IdempotencyRepository,
        IdempotencyInterceptor,
        CallbackReceiptsService,
        ADMIN_TOKEN,
        AdminSessions,
      ],
    };
  }
}

/** Routes for API-key callers: authenticated, rate-limited per key, documented as such. */
export const ApiKeyAuth = () =>
  applyDecorators(UseGuards(ApiKeyGuard, ApiKeyRateLimitGuard), ApiBearerAuth('api-key'), ApiErrorResponses(401, 429));
