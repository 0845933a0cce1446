import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '@wfp/http-kit';
import { AdminTokenGuard, OrganizationsService } from '@wfp/api-access';
import { CreatedOrganizationDto, CreateOrganizationDto } from './orgs.dto';

@ApiTags('organizations')
@ApiBearerAuth('admin-token')
@Controller('v1/orgs')
@UseGuards(AdminTokenGuard)
@ApiErrorResponses(400, 401, 413)
export class OrgsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an organization and its first API key (admin token)' })
  @ApiCreatedResponse({ type: CreatedOrganizationDto })
  create(@Body() body: CreateOrganizationDto): Promise<CreatedOrganizationDto> {
    return this.organizations.create(body.name.trim());
  }
}
