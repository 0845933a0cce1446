import {
  Body,
  Controller,
  Headers,
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
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsIn,
  IsISO8601,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import type { Request } from 'express';
import { ConversationAnswerDto, WORKFLOW_OUTREACH_OUTCOMES } from '@wfp/contracts';
import { CallbackReceiptsService } from '@wfp/api-access';
import { ApiError, ApiErrorResponses, CorrelationId } from '@wfp/http-kit';
import { verifySignature } from '@wfp/webhook-signature';
import { WorkflowRunsService } from '@wfp/workflow-catalog';

export const MESSAGING_CALLBACK_SECRET = Symbol('MESSAGING_CALLBACK_SECRET');

/**
 * The callback is signed the Standard Webhooks way with the shared MESSAGING_CALLBACK_SECRET. The
 * signature covers the body, and the body names its conversation (checked against the path by the
 * controller), so a captured callback cannot act on another conversation.
 */
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
  @ApiProperty({
    example: 'conv_9f2c…',
    description: 'The conversation this outcome is for: must equal the path’s (the signature covers it)',
  })
  @MaxLength(200)
  @IsString()
  @IsDefined({ message: 'conversationId is required (the conversation the signed outcome is for)' })
  conversationId!: string;

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
  constructor(
    private readonly runs: WorkflowRunsService,
    private readonly receipts: CallbackReceiptsService,
  ) {}

  @Post(':conversationId/outcome')
  @HttpCode(200)
  @UseGuards(MessagingSignatureGuard)
  @ApiOperation({ summary: 'Callback from the messaging service: resumes the run waiting on the conversation' })
  @ApiOkResponse({
    type: OutcomeAcceptedDto,
    description: 'Applied, or the same outcome sent again in a new callback (no-op)',
  })
  @ApiErrorResponses(400, 401, 404, 409, 503)
  async outcome(
    @Param('conversationId') conversationId: string,
    @Headers('webhook-id') webhookId: string,
    @CorrelationId() correlationId: string,
    @Body() body: ConversationOutcomeDto,
  ): Promise<OutcomeAcceptedDto> {
    if (body.conversationId !== conversationId)
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'The callback is signed for another conversation (its conversationId is not the path’s)',
      );
    const result = await this.receipts.once('messaging', webhookId, () =>
      this.runs.conversationOutcome({ ...body, conversationId }, correlationId),
    );
    if (result === 'seen')
      throw ApiError.conflict(
        `This callback (webhook-id ${webhookId}) was received already; a replay is not acted on again`,
      );
    if (result === 'unknown-conversation') throw ApiError.notFound('Conversation');
    return { status: result };
  }
}
