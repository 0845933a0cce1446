import { NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { brokerUnavailable } from './broker-queues.service';

describe('brokerUnavailable', () => {
  it('lets an HTTP error through as it is', () => {
    const notFound = new NotFoundException('No dead-lettered message');
    expect(() => brokerUnavailable(notFound)).toThrow(notFound);
  });

  it('turns any other failure into 503 without its internal message', () => {
    let thrown: unknown;
    try {
      brokerUnavailable(new Error('Channel closed by server: 404 (NOT-FOUND) amqp internals'));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ServiceUnavailableException);
    expect((thrown as Error).message).not.toContain('amqp internals');
  });
});
