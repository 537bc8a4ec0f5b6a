/**
 * The host side of port-forward (containerd's `portForward` in the CRI plugin): a TCP
 * connection to `localhost:<port>` inside the pod's network namespace, copied both ways with the
 * client's stream. Node cannot enter a namespace itself, so each connection is a
 * `nsenter --net=<path> socat` child (Debian `socat`): socat dials from inside the namespace and
 * relays over its stdio. `-t` keeps half-closed connections alive until the other direction
 * ends (socat's default waits only 0.5 s after the first EOF); `-d -d` makes socat report the
 * established connection, which separates "could not connect" (rejects, the server writes it on
 * the error stream) from a connection that later ended.
 */
import { spawn } from 'node:child_process';
import type { Duplex } from 'node:stream';

/** Options of {@link netnsPortForward}. */
export interface NetnsPortForwardOptions {
  /** Default `nsenter`. */
  readonly nsenterPath?: string;
  /** Default `socat`. */
  readonly socatPath?: string;
  /** How long a half-closed connection may wait for the other side (default 1 h). */
  readonly halfCloseTimeoutSeconds?: number;
  /** The namespace as named in errors (upstream: the sandbox id); default the path. */
  readonly namespaceName?: string;
}

/** socat's notice once both ends are connected (`-d -d`). */
const TRANSFER_STARTED = /starting data transfer loop/;

/**
 * Forwards `stream` to `127.0.0.1:port` in the network namespace at `netnsPath`
 * (`/run/netns/<name>` or `/proc/<pid>/ns/net`) and resolves when both directions finished or
 * `signal` aborted (the relay is killed). Rejects when the connection cannot be made:
 * `failed to connect to localhost:<port> inside namespace "<ns>", IPv4: <reason>`.
 */
export function netnsPortForward(
  netnsPath: string,
  port: number,
  stream: Duplex,
  signal: AbortSignal,
  opts: NetnsPortForwardOptions = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      opts.nsenterPath ?? 'nsenter',
      [
        `--net=${netnsPath}`,
        '--',
        opts.socatPath ?? 'socat',
        '-d',
        '-d',
        '-t',
        String(opts.halfCloseTimeoutSeconds ?? 3600),
        '-',
        `TCP4:127.0.0.1:${port}`,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let established = false;
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => {
      if (stderr.length < 8192) stderr += t;
      if (TRANSFER_STARTED.test(stderr)) established = true;
    });
    child.stdin.on('error', () => undefined);
    stream.on('error', () => undefined);
    stream.pipe(child.stdin);
    child.stdout.on('data', (b: Buffer) => {
      established = true;
      stream.write(b);
    });
    child.stdout.once('end', () => {
      if (!stream.writableEnded) stream.end();
    });
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    child.once('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.once('close', (code) => {
      signal.removeEventListener('abort', onAbort);
      stream.unpipe(child.stdin);
      if (code === 0 || established || signal.aborted) {
        resolve();
        return;
      }
      // socat's last error line: `... E connect(5, AF=2 127.0.0.1:80, 16): Connection refused`.
      const line = stderr
        .split('\n')
        .filter((l) => / E /.test(l))
        .pop();
      const reason = line?.replace(/^.* E /, '') ?? `exit code ${String(code)}`;
      reject(
        new Error(
          `failed to connect to localhost:${port} inside namespace ${JSON.stringify(opts.namespaceName ?? netnsPath)}, IPv4: ${reason}`,
        ),
      );
    });
  });
}
