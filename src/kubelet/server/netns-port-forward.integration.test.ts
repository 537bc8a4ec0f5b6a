// Integration: port-forward into a network namespace with nsenter + socat. Creates one netns
// (only lo, never connected to the host), runs an echo listener inside it, forwards through a
// Duplex pair. Needs root, ip, nsenter and socat; skips otherwise. Cleanup: the listener is
// killed by PID and the netns deleted by name.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Duplex, PassThrough } from 'node:stream';
import { netnsPortForward } from './netns-port-forward.ts';

const which = (cmd: string): boolean =>
  ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((d) => existsSync(`${d}/${cmd}`));
const isRoot = process.getuid?.() === 0;
const missing = ['ip', 'nsenter', 'socat'].filter((c) => !which(c));
const skip = !isRoot ? 'needs root' : missing.length > 0 ? `missing ${missing.join(', ')}` : false;
const NS = `skiff-pf-${process.pid}`;
const PORT = 18080;

/** A client-side stream: what we write goes to the forwarder, what it writes we read. */
function pair(): {
  client: PassThrough;
  received: () => string;
  server: Duplex;
  ended: Promise<void>;
} {
  const toServer = new PassThrough();
  const fromServer = new PassThrough();
  let text = '';
  fromServer.on('data', (c: Buffer) => (text += c.toString()));
  const ended = new Promise<void>((r) =>
    fromServer.once('end', () => {
      r();
    }),
  );
  const server = Duplex.from({ readable: toServer, writable: fromServer });
  return { client: toServer, received: () => text, server, ended };
}

describe('netnsPortForward', { skip }, () => {
  let listener: ChildProcess | undefined;

  before(async () => {
    execFileSync('ip', ['netns', 'add', NS]);
    execFileSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    listener = spawn(
      'ip',
      ['netns', 'exec', NS, 'socat', `TCP4-LISTEN:${PORT},reuseaddr,fork`, 'PIPE'],
      {
        stdio: 'ignore',
      },
    );
    // Wait until the listener accepts.
    for (let i = 0; i < 50; i++) {
      try {
        execFileSync(
          'ip',
          ['netns', 'exec', NS, 'socat', '-u', 'OPEN:/dev/null', `TCP4:127.0.0.1:${PORT}`],
          {
            stdio: 'ignore',
          },
        );
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });

  after(() => {
    if (listener?.pid !== undefined) listener.kill('SIGKILL');
    execFileSync('ip', ['netns', 'del', NS]);
  });

  it('echoes through the namespace, keeping the half-closed direction open', async () => {
    const p = pair();
    const done = netnsPortForward(`/run/netns/${NS}`, PORT, p.server, new AbortController().signal);
    p.client.write('hello ');
    await new Promise((r) => setTimeout(r, 800));
    // Half-close after more than socat's default 0.5 s: the reply must still arrive.
    p.client.end('netns');
    await p.ended;
    await done;
    assert.equal(p.received(), 'hello netns');
  });

  it('rejects with the connection error when nothing listens', async () => {
    const p = pair();
    p.client.end();
    await assert.rejects(
      netnsPortForward(`/run/netns/${NS}`, 1, p.server, new AbortController().signal, {
        namespaceName: 'sandbox-1',
      }),
      /^Error: failed to connect to localhost:1 inside namespace "sandbox-1", IPv4: connect\(.*\): Connection refused$/,
    );
  });

  it('abort kills the relay', async () => {
    const p = pair();
    const ac = new AbortController();
    const done = netnsPortForward(`/run/netns/${NS}`, PORT, p.server, ac.signal);
    p.client.write('x');
    await new Promise((r) => setTimeout(r, 200));
    ac.abort();
    await done;
    assert.equal(p.received(), 'x');
  });
});
