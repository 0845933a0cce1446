import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * Ports handed to child processes (services started for a test) come from a block below the
 * kernel's ephemeral range. A port from `listen(0)` is an ephemeral one: between our probe closing
 * it and the child binding it, any process's outgoing connection may take it as its local port
 * (CI saw a service fail to start with EADDRINUSE so). Below the range, only a listener can.
 * Each Jest worker draws from its own block, so the workers of one run never hand out the same
 * port; a random start keeps concurrent runs apart, and a port something listens on is skipped.
 */
export const CHILD_PORT_BLOCKS = { first: 12_000, size: 1_000, count: 13 } as const;

/** Linux's default start of the ephemeral range, when /proc cannot be read. */
const DEFAULT_EPHEMERAL_START = 32_768;

/** The worker's block, or null when the ephemeral range leaves no room below it. */
export function childPortBlock(workerId: number, ephemeralStart: number): { first: number; size: number } | null {
  const { first, size, count } = CHILD_PORT_BLOCKS;
  const start = first + ((Math.max(workerId, 1) - 1) % count) * size;
  return start + size <= ephemeralStart ? { first: start, size } : null;
}

/** Hands out the ports of one block in turn, each free (nothing listening) when handed out. */
export class ChildPortPool {
  private next: number;

  constructor(
    private readonly block: { first: number; size: number },
    start = block.first + Math.floor(Math.random() * block.size),
  ) {
    this.next = start;
  }

  async take(): Promise<number> {
    const { first, size } = this.block;
    for (let tried = 0; tried < size; tried += 1) {
      // Advanced before the probe, so concurrent calls never probe (and hand out) the same port.
      const port = this.next;
      this.next = first + ((port - first + 1) % size);
      if (await canListen(port)) return port;
    }
    throw new Error(`no free port in ${first}-${first + size - 1}`);
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function ephemeralStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    return Number(low) || DEFAULT_EPHEMERAL_START;
  } catch {
    return DEFAULT_EPHEMERAL_START;
  }
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

let pool: ChildPortPool | null | undefined;

/** A free port for a child process to listen on, that no outgoing connection can take meanwhile. */
export function freePort(): Promise<number> {
  if (pool === undefined) {
    const block = childPortBlock(Number(process.env['JEST_WORKER_ID'] ?? 1), ephemeralStart());
    pool = block ? new ChildPortPool(block) : null;
  }
  // A kernel whose ephemeral range starts too low for our blocks: the old way, with its small risk.
  return pool ? pool.take() : anyFreePort();
}
