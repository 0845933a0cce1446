import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  /** The query string, with its `?` (empty without one). */
  search: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  receivedAt: number;
  /** The client's port: one per connection, so distinct ports count connections (keep-alive). */
  remotePort: number;
}

interface Answer {
  status: number;
  body?: unknown;
  delayMs?: number;
  headers?: Record<string, string>;
}

type Responder = (request: ReceivedRequest) => Answer;

/** A real HTTP server on loopback that records every request and answers by path. */
export class HttpReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly routes = new Map<string, Responder>();

  private constructor(private readonly server: http.Server) {}

  /** Listens on `port` (0: any free one); a stopped receiver can be started again on its old port. */
  static async start(port = 0): Promise<HttpReceiver> {
    const holder: { receiver?: HttpReceiver } = {};
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => holder.receiver?.handle(request, Buffer.concat(chunks).toString('utf8'), response));
    });
    const receiver = new HttpReceiver(server);
    holder.receiver = receiver;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  on(path: string, responder: Responder): void {
    this.routes.set(path, responder);
  }

  requestsTo(path: string): ReceivedRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  private handle(request: http.IncomingMessage, body: string, response: http.ServerResponse): void {
    const url = new URL(request.url ?? '/', this.url);
    const received: ReceivedRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      search: url.search,
      headers: request.headers,
      body,
      receivedAt: Date.now(),
      remotePort: request.socket.remotePort ?? 0,
    };
    this.requests.push(received);
    const answer: Answer = (this.routes.get(url.pathname) ?? (() => ({ status: 404 })))(received);
    const send = () => {
      if (response.destroyed) return;
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    };
    if (!answer.delayMs) return send();
    // A held answer is dropped with its connection (a client that died), so no timer outlives it.
    const timer = setTimeout(send, answer.delayMs);
    response.once('close', () => clearTimeout(timer));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
