import { Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  ConversationsOutcomeRequest,
  RunsCancelCommand,
  RunsGetQuery,
  RunsListQuery,
  OpsRecentRunsQuery,
  type RecentRunView,
  RunsResumeCommand,
  RunsRetryRequest,
  type RunRetryAnswer,
  RunsStartCommand,
  VersionsRegisterCommand,
  type ConversationsOutcomeResult,
  type MessageEnvelope,
  type RunPage,
  type RunView,
} from '@wfp/contracts';
import {
  AnswersRequest,
  DeferMessage,
  HandlesMessage,
  MessageHandlers,
  type MessageContext,
  WORK_QUEUES,
} from '@wfp/messaging';
import { isDocumentRefusedError } from '@wfp/persistence';
import {
  RunAdmissionService,
  RunCancellerService,
  RunEngineService,
  RunQueriesService,
  RunRetrierService,
  RunStarterService,
  VersionRegistryService,
} from '@wfp/workflow-runs';

/** Message and request handlers of the processor; the work lives in @wfp/workflow-runs. */
@MessageHandlers()
export class RunCommandsHandler {
  private readonly logger = new Logger(RunCommandsHandler.name);

  constructor(
    private readonly versions: VersionRegistryService,
    private readonly starter: RunStarterService,
    private readonly canceller: RunCancellerService,
    private readonly engine: RunEngineService,
    private readonly queries: RunQueriesService,
    private readonly retrier: RunRetrierService,
    private readonly admission: RunAdmissionService,
  ) {}

  @HandlesMessage(VersionsRegisterCommand, { queue: WORK_QUEUES.processorCommands })
  async onVersionsRegister(@Payload() envelope: MessageEnvelope<VersionsRegisterCommand>): Promise<void> {
    await this.versions.register(envelope);
  }

  @HandlesMessage(RunsStartCommand, { queue: WORK_QUEUES.processorCommands })
  async onRunsStart(
    @Payload() envelope: MessageEnvelope<RunsStartCommand>,
    @Ctx() context: MessageContext,
  ): Promise<void> {
    const { payload } = envelope;
    // Stored at once, whatever the organization's load: the run exists (and can be read or
    // cancelled) from now on; only its execution may wait its turn.
    const { result, run } = await this.starter.start(envelope);
    this.logger.log(`run ${payload.runId} ${result}`);
    if (!run || run.status !== 'RUNNING') return;
    // Past its organization's share the start message itself waits (one message per run, so two
    // deliveries never execute the same node side by side); when it comes back, the run exists.
    await this.admitted(envelope, () =>
      this.advanceOrFail(payload.runId, envelope, context, () => this.engine.advance(run, envelope)),
    );
  }

  @HandlesMessage(RunsResumeCommand, { queue: WORK_QUEUES.processorCommands })
  async onRunsResume(
    @Payload() envelope: MessageEnvelope<RunsResumeCommand>,
    @Ctx() context: MessageContext,
  ): Promise<void> {
    const { payload } = envelope;
    await this.admitted(envelope, () =>
      this.advanceOrFail(payload.runId, envelope, context, () =>
        this.engine.resume(envelope.organizationId, payload.runId, envelope),
      ),
    );
  }

  // Cancels have their own queue and consumer: they never wait behind runs.
  @HandlesMessage(RunsCancelCommand, { queue: WORK_QUEUES.processorControl })
  async onRunsCancel(@Payload() envelope: MessageEnvelope<RunsCancelCommand>): Promise<void> {
    const { payload } = envelope;
    const cancelled = await this.canceller.cancel(envelope);
    this.logger.log(`${cancelled} run(s) cancelled (${payload.runId ?? `workflow ${payload.workflowId}`})`);
  }

  @AnswersRequest(RunsGetQuery)
  async onRunsGet(@Payload() envelope: MessageEnvelope<RunsGetQuery>): Promise<RunView> {
    const payload = envelope.payload;
    return this.queries.get(envelope.organizationId, payload.runId);
  }

  @AnswersRequest(RunsListQuery)
  async onRunsList(@Payload() envelope: MessageEnvelope<RunsListQuery>): Promise<RunPage> {
    const payload = envelope.payload;
    return this.queries.list(envelope.organizationId, payload);
  }

  @AnswersRequest(OpsRecentRunsQuery)
  async onOpsRecentRuns(@Payload() envelope: MessageEnvelope<OpsRecentRunsQuery>): Promise<{ runs: RecentRunView[] }> {
    const payload = envelope.payload;
    return { runs: await this.queries.recent(payload.limit) };
  }

  @AnswersRequest(RunsRetryRequest)
  onRunsRetry(@Payload() envelope: MessageEnvelope<RunsRetryRequest>): Promise<RunRetryAnswer> {
    return this.retrier.retry(envelope);
  }

  @AnswersRequest(ConversationsOutcomeRequest)
  async onConversationOutcome(
    @Payload() envelope: MessageEnvelope<ConversationsOutcomeRequest>,
  ): Promise<{ result: ConversationsOutcomeResult }> {
    const payload = envelope.payload;
    return { result: await this.engine.applyConversationOutcome(payload, envelope) };
  }

  /**
   * Works on a run message if its organization has a slot free on this instance; otherwise the
   * message goes back to the queue for a short while, untouched (it holds no prefetch slot while
   * it waits, so other organizations' messages go first).
   */
  private async admitted(envelope: MessageEnvelope, work: () => Promise<void>): Promise<void> {
    if ((await this.admission.admit(envelope.organizationId, work)) === 'full')
      throw new DeferMessage(`organization ${envelope.organizationId} has its share of runs in flight here`);
  }

  /**
   * Executes the run; an infrastructure error is retried by the queue, and when the retry budget
   * is spent the run fails with SYSTEM_FAILURE (errorClass SYSTEM) instead of staying stuck. A
   * document the store refuses (a key it cannot hold, a size past its limit) would be refused
   * again on every retry: the run fails at once, with errorClass DATA.
   */
  private async advanceOrFail(
    runId: string,
    envelope: MessageEnvelope,
    context: MessageContext,
    advance: () => Promise<void>,
  ): Promise<void> {
    try {
      await advance();
    } catch (error) {
      if (isDocumentRefusedError(error)) {
        this.logger.error(`run ${runId} failed: the store refused its data: ${String(error)}`);
        await this.engine.failRun(runId, envelope.organizationId, 'SYSTEM_FAILURE', 'DATA', envelope);
        return;
      }
      if (!context.isFinalAttempt) throw error;
      this.logger.error(`run ${runId} failed for good after ${context.attempt} attempts: ${String(error)}`);
      await this.engine.failRun(runId, envelope.organizationId, 'SYSTEM_FAILURE', 'SYSTEM', envelope);
    }
  }
}
