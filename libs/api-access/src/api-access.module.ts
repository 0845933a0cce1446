import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ADMIN_TOKEN, AdminTokenGuard, ApiKeyGuard } from './guards';
import { ApiKey, ApiKeySchema, Organization, OrganizationSchema } from './organization.schema';
import { OrganizationsService } from './organizations.service';

@Module({})
export class ApiAccessModule {
  static register(options: { adminToken: string }): DynamicModule {
    return {
      module: ApiAccessModule,
      global: true,
      imports: [
        MongooseModule.forFeature([
          { name: Organization.name, schema: OrganizationSchema },
          { name: ApiKey.name, schema: ApiKeySchema },
        ]),
      ],
      providers: [{ provide: ADMIN_TOKEN, useValue: options.adminToken }, OrganizationsService, ApiKeyGuard, AdminTokenGuard],
      exports: [OrganizationsService, ApiKeyGuard, AdminTokenGuard, ADMIN_TOKEN],
    };
  }
}
