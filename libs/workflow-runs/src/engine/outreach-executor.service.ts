import { Inject, Injectable } from '@nestjs/common';
import { request } from 'undici';
import { DEFAULT_REPLY_WINDOW_SECONDS, type ConfiguredNodeOf } from '@wfp/workflow-graph';
import { toEventNodeType } from '@wfp/workflow-graph';
import type { Run } from '../run.schema';
import { ENGINE_OPTIONS, sleep, type EngineOptions } from './engine.options';
import type { NodeResult } from './node-result';

/**
 * Outreach nodes (screening, engagement) start a conversation at the messaging service and wait
 * durably for its outcome: the wait is stored on the run with a timer (`wakeAt`). The idempotency
 * key is stable per visit of the node, so a repeated start after a crash is the same conversation.
 */
@Injectable()
export class OutreachExecutorService {
  constructor(@Inject(ENGINE_OPTIONS) private readonly options: EngineOptions) {}

  async execute(
    node: ConfiguredNodeOf<'screeningOutreach' | 'engagementOutreach'>,
    run: Run,
    idempotencyKey: string,
  ): Promise<NodeResult> {
    // A called workflow runs on inputs alone: there is nobody to reach out to.
    if (run.candidateProfileId === null)
      return {
        type: 'failed',
        errorCode: 'INVALID_NODE_CONFIG',
        step: { error: 'the run has no candidate to contact' },
      };
    const { config } = node;
    const replyWindowSeconds = config.replyWindowSeconds ?? DEFAULT_REPLY_WINDOW_SECONDS;
    const body = JSON.stringify({
      organizationId: run.organizationId,
      runId: run._id,
      nodeId: node.id,
      nodeType: toEventNodeType(node.type),
      candidate: {
        candidateProfileId: run.candidateProfileId,
        externalId: run.candidateProfileExternalId,
        email: run.contact?.email ?? null,
        phoneNumber: run.contact?.phoneNumber ?? null,
      },
      channels: config.channels,
      questions: config.questions,
      replyWindowSeconds,
    });
    const url = new URL('/v1/conversations', this.options.messagingUrl);
    for (let attempt = 0; attempt <= this.options.messagingRetries; attempt += 1) {
      if (attempt > 0) await sleep(this.options.retryBackoffMs * 2 ** (attempt - 1));
      try {
        const response = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
          body,
          headersTimeout: this.options.messagingTimeoutMs,
          bodyTimeout: this.options.messagingTimeoutMs,
          signal: AbortSignal.timeout(this.options.messagingTimeoutMs),
        });
        const text = await response.body.text();
        if (response.statusCode >= 200 && response.statusCode < 300) {
          const conversationId = (JSON.parse(text) as { conversationId?: unknown }).conversationId;
          if (typeof conversationId === 'string' && conversationId.length > 0) {
            return { type: 'waiting', conversationId, wakeAt: new Date(Date.now() + replyWindowSeconds * 1000) };
          }
        }
      } catch {
        // network error or timeout: retried below, then reported as a downstream failure
      }
    }
    return {
      type: 'failed',
      errorCode: 'DOWNSTREAM_SERVICE_ERROR',
      step: { error: 'the messaging service did not start the conversation' },
    };
  }
}
