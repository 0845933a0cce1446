import { readFileSync } from 'node:fs';

export interface WaitOptions {
  /** Without `progress`: how long the condition may take. With it: how long nothing may move. */
  timeoutMs?: number;
  intervalMs?: number;
  what?: string;
  /**
   * Something the wait can watch move while the condition is not met yet (CPU time of the
   * processes being waited for, a count, a log's length). While its value keeps changing the wait
   * goes on; it fails only after `timeoutMs` without a change. On a busy machine a start-up that
   * is slow but moving is not a failure; one that has stopped moving is.
   */
  progress?: () => unknown | Promise<unknown>;
  /** What was last seen, for the failure message (e.g. the last health answer). */
  lastSeen?: () => string;
}

/** Thrown by a probe when waiting longer is pointless (e.g. the process being waited for exited). */
export class StopWaiting extends Error {}

/**
 * Polls `probe` until it returns a value other than undefined/null/false. Fails after `timeoutMs`
 * (with `progress`: after `timeoutMs` in which the progress value did not change), saying what it
 * waited for and what it last saw.
 */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  options: WaitOptions = {},
): Promise<Exclude<T, undefined | null | false>> {
  const { timeoutMs = 10_000, intervalMs = 50, what = 'condition', progress, lastSeen } = options;
  let deadline = Date.now() + timeoutMs;
  let lastProgress = progress ? await safely(progress) : undefined;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false)
        return value as Exclude<T, undefined | null | false>;
    } catch (error) {
      if (error instanceof StopWaiting) throw error;
      lastError = error;
    }
    if (progress) {
      const current = await safely(progress);
      if (!Object.is(current, lastProgress)) {
        lastProgress = current;
        deadline = Date.now() + timeoutMs;
      }
    }
    if (Date.now() > deadline) {
      const waited = progress ? `no progress for ${timeoutMs} ms` : `timed out after ${timeoutMs} ms`;
      const seen = lastSeen ? `; last saw: ${lastSeen()}` : '';
      throw new Error(`${waited} waiting for ${what}${seen}${lastError ? `; last error: ${String(lastError)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

async function safely(read: () => unknown): Promise<unknown> {
  try {
    return await read();
  } catch (error) {
    return `unreadable: ${String(error)}`;
  }
}

/**
 * CPU time (user + system, in clock ticks) used so far by the given processes, from /proc: a
 * progress value for waits on processes that are starting up. 0 where /proc is unavailable.
 */
export function cpuTicks(pids: readonly (number | undefined)[]): number {
  let ticks = 0;
  for (const pid of pids) {
    if (!pid) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process has ended, or this is not Linux
    }
  }
  return ticks;
}
