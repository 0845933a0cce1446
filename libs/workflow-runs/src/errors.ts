/**
 * A run was requested for a version whose copy has not arrived yet (the gateway publishes the
 * version and the run request through separate messages). Transient: the queue retries it.
 */
export class VersionNotRegisteredError extends Error {
  constructor(readonly workflowVersionId: string) {
    super(`workflow version ${workflowVersionId} is not registered with the processor yet`);
    this.name = 'VersionNotRegisteredError';
  }
}
