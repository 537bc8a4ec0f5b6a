import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Transport } from './transport.ts';

// A server that ends streams without a proper answer, as a server shutting a stream down
// with RST_STREAM NO_ERROR does: node then emits only 'close' on the client's stream.
describe('Transport and streams the server closes', () => {
  const server = http2.createServer();
  let calls = 0;
  server.on('stream', (stream, headers) => {
    calls++;
    if (headers[':path'] === '/no-answer') {
      stream.close(http2.constants.NGHTTP2_NO_ERROR);
      return;
    }
    // Headers and part of the body, then the stream is closed.
    stream.respond({ ':status': 200, 'content-type': 'application/json' });
    stream.write('{"kind":');
    setTimeout(() => {
      stream.close(http2.constants.NGHTTP2_NO_ERROR);
    }, 20);
  });
  let url = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  });
  after(() => {
    server.close();
  });

  it('rejects a write the server closed before answering, without retrying it', async () => {
    const t = new Transport({ server: url }, { maxRetries: 2 });
    calls = 0;
    await assert.rejects(
      t.request({ method: 'POST', path: '/no-answer', body: {} }),
      /closed the stream before answering/,
    );
    assert.equal(calls, 1);
    t.close();
  });

  it('retries a read the server closed before answering, then rejects', async () => {
    const t = new Transport({ server: url }, { maxRetries: 2 });
    calls = 0;
    await assert.rejects(
      t.request({ method: 'GET', path: '/no-answer' }),
      /closed the stream before answering/,
    );
    assert.equal(calls, 3);
    t.close();
  });

  it('rejects an answer cut off before its end (never waits forever)', async () => {
    const t = new Transport({ server: url }, { maxRetries: 0 });
    // Node reports a NO_ERROR reset after data as an end: the truncated JSON is the error.
    await assert.rejects(
      t.request({ method: 'GET', path: '/cut' }),
      /before the end of its answer|JSON/,
    );
    t.close();
  });
});
