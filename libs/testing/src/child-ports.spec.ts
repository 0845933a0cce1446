import net from 'node:net';
import { CHILD_PORT_BLOCKS, ChildPortPool, childPortBlock } from './child-ports';

describe('ports for child processes', () => {
  it('gives each Jest worker its own block, all below the ephemeral range', () => {
    const blocks = Array.from({ length: CHILD_PORT_BLOCKS.count }, (_, index) => childPortBlock(index + 1, 32_768));
    const starts = blocks.map((block) => {
      if (!block) throw new Error('a worker without a block');
      expect(block.first + block.size).toBeLessThanOrEqual(32_768);
      return block.first;
    });
    // Blocks do not overlap: each starts a whole block after the one before.
    expect(starts).toEqual(starts.map((_, index) => CHILD_PORT_BLOCKS.first + index * CHILD_PORT_BLOCKS.size));
  });

  it('has no block where the ephemeral range starts too low for one', () => {
    expect(childPortBlock(1, 12_500)).toBeNull();
  });

  it('hands out distinct ports to concurrent callers and skips a port something listens on', async () => {
    // Below the child-port blocks and the ephemeral range: no other test hands these out.
    const { port: first, server: busy } = await listenBelowChildPorts(16);
    try {
      const pool = new ChildPortPool({ first, size: 8 }, first);
      const ports = await Promise.all(Array.from({ length: 5 }, () => pool.take()));
      expect(new Set(ports).size).toBe(5);
      expect(ports).not.toContain(first);
      for (const port of ports) expect(port).toBeGreaterThan(first);
      expect(Math.max(...ports)).toBeLessThan(first + 8);
    } finally {
      await close(busy);
    }
  });

  it('wraps around its block and says so when every port is taken', async () => {
    const { port: first, server: busy } = await listenBelowChildPorts(2);
    const next = net.createServer();
    try {
      await listen(next, first + 1);
      await expect(new ChildPortPool({ first, size: 2 }, first + 1).take()).rejects.toThrow(
        `no free port in ${first}-${first + 1}`,
      );
    } finally {
      await Promise.all([busy, next].filter((server) => server.listening).map(close));
    }
  });
});

function listen(server: net.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A server on a port below the child-port blocks, with `room` ports after it still below them. */
async function listenBelowChildPorts(room: number): Promise<{ port: number; server: net.Server }> {
  for (let tries = 0; ; tries += 1) {
    const port = CHILD_PORT_BLOCKS.first - 1_000 + Math.floor(Math.random() * (1_000 - room));
    const server = net.createServer();
    try {
      await listen(server, port);
      return { port, server };
    } catch (error) {
      if (tries >= 20) throw error;
    }
  }
}
