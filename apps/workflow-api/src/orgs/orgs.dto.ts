import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';

export class CreateOrganizationDto {
  @ApiProperty({ example: 'Cedar Recruitment', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name!: string;
}

export class CreatedOrganizationDto {
  @ApiProperty({ example: 'org_5f2c0e6a9d3b4e1f8a7c6b5d' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ description: 'Shown once: only its hash is stored.', example: 'wfk_…' })
  apiKey!: string;
}
