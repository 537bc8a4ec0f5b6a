/**
 * Flags shared by `skiff server` and `skiff up`. Kept apart from server.ts so that main.ts can
 * declare them (for parsing and help) without loading the server: this file imports only
 * commander and node:net.
 */
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { isIP } from 'node:net';

/** Validated flags of `skiff server` / `skiff up`. */
export interface ServerFlags {
  /** Unset: SKIFF_DATA_DIR, else ~/.skiff (see resolveDataDir). */
  dataDir: string | undefined;
  bindAddress: string;
  /** 0 picks a free port. */
  port: number;
  /** Unset: sqlite://DIR/state.db. */
  datastoreEndpoint: string | undefined;
}

/** The API server's default port, as kube-apiserver's --secure-port and k3s. */
export const DEFAULT_PORT = 6443;

/**
 * Listen on every interface by default, as kube-apiserver and k3s do, so that agents on other
 * machines can join; every request still needs a client certificate signed by the cluster CA
 * (only the health and version endpoints answer anonymously). Use --bind-address 127.0.0.1 to
 * keep the server local.
 */
export const DEFAULT_BIND_ADDRESS = '0.0.0.0';

function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new InvalidArgumentError('must be a port number from 0 to 65535 (0 picks a free port).');
  }
  return Number(value);
}

function parseBindAddress(value: string): string {
  if (isIP(value) === 0) throw new InvalidArgumentError('must be an IPv4 or IPv6 address.');
  return value;
}

/** Declares the server flags on `cmd` (commander parses and validates them). Returns `cmd`. */
export function addServerOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--data-dir <dir>',
        'data directory: cluster CA and certificates, kubeconfig.yaml, SQLite store (default: ~/.skiff)',
      ).env('SKIFF_DATA_DIR'),
    )
    .addOption(
      new Option('--bind-address <addr>', 'IP address to listen on (127.0.0.1: this host only)')
        .default(DEFAULT_BIND_ADDRESS)
        .argParser(parseBindAddress),
    )
    .addOption(
      new Option('--port <port>', 'HTTPS port of the API server')
        .default(DEFAULT_PORT)
        .argParser(parsePort),
    )
    .addOption(
      new Option(
        '--datastore-endpoint <dsn>',
        'memory://, sqlite://PATH, etcd://HOST:PORT[,...] or https://HOST:PORT[,...] (default: sqlite://DIR/state.db)',
      ).env('SKIFF_DATASTORE_ENDPOINT'),
    );
}

/** Turns commander's parsed option bag (untyped) into ServerFlags; throws on a wrong shape. */
export function serverFlagsFrom(opts: Record<string, unknown>): ServerFlags {
  const str = (v: unknown, name: string): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new TypeError(`${name} must be a string`);
    return v;
  };
  const port = opts['port'];
  if (typeof port !== 'number') throw new TypeError('port must be a number');
  return {
    dataDir: str(opts['dataDir'], 'data-dir'),
    bindAddress: str(opts['bindAddress'], 'bind-address') ?? DEFAULT_BIND_ADDRESS,
    port,
    datastoreEndpoint: str(opts['datastoreEndpoint'], 'datastore-endpoint'),
  };
}
