import { Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminTokenGuard } from '@wfp/api-access';
import { ApiErrorResponses } from '@wfp/http-kit';
import {
  brokerUnavailable,
  BrokerQueuesService,
  DeadLettersService,
  type DeadLetterListView,
  type DeadLetterView,
  type QueueState,
  type ReplayAllView,
} from '@wfp/operations';
import { DeadLetterListQueryDto } from './admin.dto';

/**
 * Queue and dead-letter administration for SREs (admin token, or the operations page's session):
 * every service's queues as the broker sees them, and list, inspect, replay or purge the messages
 * in a service's DLQs.
 */
@ApiTags('operations')
@ApiBearerAuth('admin-token')
@Controller('v1/admin')
@UseGuards(AdminTokenGuard)
@ApiErrorResponses(401, 503)
export class DeadLettersController {
  constructor(
    private readonly queues: BrokerQueuesService,
    private readonly deadLetters: DeadLettersService,
  ) {}

  @Get('queues')
  @ApiOperation({ summary: "Every service's queues: kind (work, retry, dlq, rpc), depth and consumers" })
  async listQueues(): Promise<{ queues: QueueState[] }> {
    return { queues: await this.queues.states().catch(brokerUnavailable) };
  }

  @Get('dead-letters/:service')
  @ApiOperation({ summary: "A service's DLQs with their depth and their first messages (left in place)" })
  @ApiErrorResponses(400, 404)
  list(@Param('service') service: string, @Query() query: DeadLetterListQueryDto): Promise<DeadLetterListView> {
    return this.deadLetters.list(service, query.limit ?? 50).catch(brokerUnavailable);
  }

  @Post('dead-letters/:service/replay')
  @HttpCode(200)
  @ApiOperation({ summary: "Replay every message of a service's DLQs that says where it came from" })
  @ApiErrorResponses(404)
  replayAll(@Param('service') service: string): Promise<ReplayAllView> {
    return this.deadLetters.replayAll(service).catch(brokerUnavailable);
  }

  @Delete('dead-letters/:service')
  @ApiOperation({ summary: "Purge a service's DLQs" })
  @ApiErrorResponses(404)
  purge(@Param('service') service: string): Promise<{ purged: number }> {
    return this.deadLetters.purge(service).catch(brokerUnavailable);
  }

  @Get('dead-letters/:service/:messageId')
  @ApiOperation({ summary: 'One dead-lettered message: why it failed, where it came from, its body' })
  @ApiErrorResponses(404)
  inspect(@Param('service') service: string, @Param('messageId') messageId: string): Promise<DeadLetterView> {
    return this.deadLetters.inspect(service, messageId).catch(brokerUnavailable);
  }

  @Post('dead-letters/:service/:messageId/replay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Publish the message again where it first went, with a fresh retry budget, then remove it from the DLQ',
  })
  @ApiErrorResponses(404, 409)
  replay(@Param('service') service: string, @Param('messageId') messageId: string): Promise<DeadLetterView> {
    return this.deadLetters.replay(service, messageId).catch(brokerUnavailable);
  }

  @Delete('dead-letters/:service/:messageId')
  @ApiOperation({ summary: 'Remove one message from the DLQ without replaying it' })
  @ApiErrorResponses(404)
  discard(@Param('service') service: string, @Param('messageId') messageId: string): Promise<DeadLetterView> {
    return this.deadLetters.discard(service, messageId).catch(brokerUnavailable);
  }
}
