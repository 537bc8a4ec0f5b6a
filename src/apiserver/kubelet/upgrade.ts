/**
 * HTTP/1.1 upgrade requests (WebSocket, SPDY) through the API server's ordinary request
 * pipeline: Node hands upgrades to the server's 'upgrade' event with the raw socket and no
 * response object; here each gets a ServerResponse bound to its socket, so authentication,
 * authorization, audit and error responses work as for any request, and the connect handler
 * that serves it takes the socket over with takeUpgrade().
 */
import type { EventEmitter } from 'node:events';
import { ServerResponse, type IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** An upgrade request's socket and the bytes read past its headers. */
export interface UpgradeSocket {
  socket: Duplex;
  head: Buffer;
}

const pending = new WeakMap<object, UpgradeSocket>();

/** True when `req` arrived as an HTTP/1.1 upgrade request that nobody has taken over yet. */
export function isUpgradeRequest(req: object): boolean {
  return pending.has(req);
}

/**
 * Takes over the socket of an upgrade request: detaches it from `res` (which must not be used
 * afterwards) and returns it, or undefined when `req` is not an upgrade request. The response's
 * 'close' event still fires when the socket closes (the audit log and in-flight accounting
 * listen to it), with status 101 recorded.
 */
export function takeUpgrade(req: object, res: object): UpgradeSocket | undefined {
  const up = pending.get(req);
  if (up === undefined) return undefined;
  pending.delete(req);
  if (res instanceof ServerResponse && up.socket instanceof Socket) {
    res.statusCode = 101;
    res.detachSocket(up.socket);
    up.socket.once('close', () => {
      res.emit('close');
    });
  }
  return up;
}

/**
 * Serves `server`'s upgrade requests with `listener`, the same request listener ordinary
 * requests go to. A request nobody takes over gets its response (an error Status, usually)
 * and the connection is closed after it.
 */
export function serveUpgrades(
  server: EventEmitter,
  listener: (req: IncomingMessage, res: ServerResponse) => void,
): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node's HTTP servers hand over the connection's net.Socket (a TLSSocket here).
    if (!(socket instanceof Socket)) {
      socket.destroy();
      return;
    }
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    pending.set(req, { socket, head });
    res.once('finish', () => {
      if (pending.has(req)) {
        pending.delete(req);
        socket.end();
      }
    });
    socket.on('error', () => {
      socket.destroy();
    });
    listener(req, res);
  });
}
