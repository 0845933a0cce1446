import {
  Body,
  Controller,
  HttpCode,
  HttpStatus,
  Inject,
  Injectable,
  Param,
  Post,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsISO8601, ValidateNested } from 'class-validator';
import type { Request } from 'express';
import { ConversationAnswerDto, WORKFLOW_OUTREACH_OUTCOMES } from '@wfp/contracts';
import { ApiError, ApiErrorResponses, CorrelationId } from '@wfp/http-kit';
import { verifySignature } from '@wfp/webhook-signature';
import { WorkflowRunsService } from '@wfp/workflow-catalog';

export const MESSAGING_CALLBACK_SECRET = Symbol('MESSAGING_CALLBACK_SECRET');

/** The callback is signed the Standard Webhooks way with the shared MESSAGING_CALLBACK_SECRET. */
@Injectable()
export class MessagingSignatureGuard implements CanActivate {
  constructor(@Inject(MESSAGING_CALLBACK_SECRET) private readonly secret: string) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request & { rawBody?: Buffer }>();
    const verdict = verifySignature({
      headers: request.headers,
      body: request.rawBody ?? Buffer.alloc(0),
      secret: this.secret,
    });
    if (!verdict.ok)
      throw new ApiError(HttpStatus.UNAUTHORIZED, `The callback signature is not valid (${verdict.reason})`);
    return true;
  }
}

export class ConversationOutcomeDto {
  @ApiProperty({ enum: WORKFLOW_OUTREACH_OUTCOMES })
  @IsIn(WORKFLOW_OUTREACH_OUTCOMES)
  status!: (typeof WORKFLOW_OUTREACH_OUTCOMES)[number];

  @ApiProperty({ type: [ConversationAnswerDto] })
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => ConversationAnswerDto)
  answers!: ConversationAnswerDto[];

  @ApiProperty({ format: 'date-time' })
  @IsISO8601()
  completedAt!: string;
}

class OutcomeAcceptedDto {
  @ApiProperty({ enum: ['resumed', 'already-applied'] })
  status!: string;
}

@ApiTags('conversations')
@ApiHeader({
  name: 'webhook-signature',
  required: true,
  description: 'Standard Webhooks signature (MESSAGING_CALLBACK_SECRET)',
})
@Controller('v1/conversations')
export class ConversationsController {
  constructor(private readonly runs: WorkflowRunsService) {}

  @Post(':conversationId/outcome')
  @HttpCode(200)
  @UseGuards(MessagingSignatureGuard)
  @ApiOperation({ summary: 'Callback from the messaging service: resumes the run waiting on the conversation' })
  @ApiOkResponse({ type: OutcomeAcceptedDto, description: 'Applied, or a repeated callback (no-op)' })
  @ApiErrorResponses(400, 401, 404, 503)
  async outcome(
    @Param('conversationId') conversationId: string,
    @CorrelationId() correlationId: string,
    @Body() body: ConversationOutcomeDto,
  ): Promise<OutcomeAcceptedDto> {
    const result = await this.runs.conversationOutcome({ conversationId, ...body }, correlationId);
    if (result === 'unknown-conversation') throw ApiError.notFound('Conversation');
    return { status: result };
  }
}
