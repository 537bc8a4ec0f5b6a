/**
 * `skiff token create|list|delete`: bootstrap tokens on a running server, as `kubeadm token`.
 * A token `<id>.<secret>` is the Secret `kube-system/bootstrap-token-<id>` of type
 * `bootstrap.kubernetes.io/token`; these verbs create, list and delete such Secrets over HTTPS
 * with the admin kubeconfig (`DIR/kubeconfig.yaml`, or `--kubeconfig`).
 *
 * program.ts imports this module eagerly to declare the verbs, so its static imports stay light
 * (commander, fs, path): node:https, the YAML parser, the data-dir helpers and the bootstrap
 * token helpers (which load the API layer) are imported only when a token verb runs.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import type { Secret, SecretList } from 'kubernetes-types/core/v1.js';
import type { BootstrapTokenInfo, BootstrapTokenSpec } from '../apiserver/authn/index.ts';
import type { CommandIo } from './server.ts';
import type { RestConfig } from '../client/rest/kubeconfig.ts';

/** kubeadm's default TTL. */
export const DEFAULT_TOKEN_TTL = '24h';
/** kubeadm's default usages. */
export const DEFAULT_TOKEN_USAGES: readonly string[] = Object.freeze(['signing', 'authentication']);
/** The extra group of node-join tokens (kubeadm's `system:bootstrappers:kubeadm:default-node-token`). */
export const DEFAULT_TOKEN_GROUPS: readonly string[] = Object.freeze([
  'system:bootstrappers:skiff:default-node-token',
]);

const NS_SECRETS = '/api/v1/namespaces/kube-system/secrets';
const TOKEN_ID_PATTERN = '^([a-z0-9]{6})$';
/** A request that neither connects nor answers within this time fails. */
const REQUEST_TIMEOUT_MS = 30_000;

const processIo: CommandIo = {
  out: (line) => {
    process.stdout.write(`${line}\n`);
  },
  err: (line) => {
    process.stderr.write(`${line}\n`);
  },
};

// ---------------------------------------------------------------------------------------------
// Durations (Go's time.ParseDuration)

const NS_PER_UNIT: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['µs', 1_000n], // U+00B5 micro sign
  ['μs', 1_000n], // U+03BC Greek mu
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);
/** 1<<63: the magnitude of the smallest int64, the largest a negative duration may have. */
const LIMIT = 1n << 63n;

/**
 * The nanoseconds of a fraction as Go's leadingFraction and ParseDuration compute them: digits
 * accumulate while they fit in int64 (later ones are ignored), and the scaling is done in
 * float64, so that e.g. `0.3333333333333333333h` is exactly 20m as in Go.
 */
function fractionNanos(digits: string, unit: bigint): bigint {
  let f = 0n;
  let scale = 1;
  for (const c of digits) {
    if (f > (LIMIT - 1n) / 10n) break;
    const next = f * 10n + BigInt(c);
    if (next > LIMIT) break;
    f = next;
    scale *= 10;
  }
  if (f === 0n) return 0n;
  return BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
}

/** A duration flag value Go's time.ParseDuration rejects; the message is Go's. */
export class DurationError extends Error {
  override readonly name = 'DurationError';
}

/**
 * Parses a duration as Go's time.ParseDuration does (`24h`, `90m`, `1h30m`, `1.5h`, `-2s`,
 * `0`): a signed sequence of decimal numbers, each with an optional fraction and a unit among
 * ns, us (µs), ms, s, m, h. Returns nanoseconds (exact, as int64 would hold them). Throws
 * DurationError with Go's message (`time: invalid duration "x"`, `time: missing unit in
 * duration "1"`, `time: unknown unit "d" in duration "1d"`), also on int64 overflow.
 */
export function parseGoDuration(text: string): bigint {
  const quoted = JSON.stringify(text);
  const invalid = (): DurationError => new DurationError(`time: invalid duration ${quoted}`);
  let s = text;
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
  while (s !== '') {
    if (!(s.startsWith('.') || isDigit(s[0]))) throw invalid();
    let i = 0;
    while (isDigit(s[i])) i++;
    const intDigits = s.slice(0, i);
    s = s.slice(i);
    let fracDigits = '';
    if (s.startsWith('.')) {
      s = s.slice(1);
      let j = 0;
      while (isDigit(s[j])) j++;
      fracDigits = s.slice(0, j);
      s = s.slice(j);
    }
    // "." alone, or a fraction without digits on either side, is not a number.
    if (intDigits === '' && fracDigits === '') throw invalid();
    let u = 0;
    while (u < s.length && s[u] !== '.' && !isDigit(s[u])) u++;
    const unit = s.slice(0, u);
    s = s.slice(u);
    if (unit === '') throw new DurationError(`time: missing unit in duration ${quoted}`);
    const scale = NS_PER_UNIT.get(unit);
    if (scale === undefined) {
      throw new DurationError(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    }
    const whole = intDigits === '' ? 0n : BigInt(intDigits);
    if (whole > LIMIT / scale) throw invalid();
    let value = whole * scale;
    if (fracDigits !== '') value += fractionNanos(fracDigits, scale);
    total += value;
    if (total > LIMIT) throw invalid();
  }
  if (!neg && total > LIMIT - 1n) throw invalid();
  return neg ? -total : total;
}

// ---------------------------------------------------------------------------------------------
// Flags

/** Flags every token verb takes. */
export interface TokenConnectionFlags {
  /** `--data-dir`; the admin kubeconfig is `DIR/kubeconfig.yaml`. */
  dataDir?: string;
  /** `--kubeconfig`: overrides the data dir's admin kubeconfig. */
  kubeconfig?: string;
}

/** The flags of `skiff token create [token]`, as given on the command line. */
export interface TokenCreateFlags extends TokenConnectionFlags {
  /** The token to create; a random one when unset. */
  token?: string;
  /** Go duration; `0` never expires. Default {@link DEFAULT_TOKEN_TTL}. */
  ttl?: string;
  description?: string;
  /** Default {@link DEFAULT_TOKEN_USAGES}. */
  usages?: readonly string[];
  /** Default {@link DEFAULT_TOKEN_GROUPS}. */
  groups?: readonly string[];
  /** Print the whole `skiff agent ...` command line instead of the token alone. */
  printJoinCommand?: boolean;
}

/**
 * The command that joins a machine with `token` (kubeadm's `--print-join-command`): the API
 * server's URL and the pin of the cluster CA (`sha256:<hex>` of its public key), from `target`.
 * Throws TokenCommandError when the kubeconfig carries no CA to pin.
 */
export async function joinCommand(target: ApiTarget, token: string): Promise<string> {
  if (target.ca === undefined) {
    throw new TokenCommandError(
      'the kubeconfig has no certificate-authority(-data): cannot print the CA pin of the join command',
    );
  }
  const { caCertHash } = await import('./agent-csr.ts');
  let hash: string;
  try {
    hash = caCertHash(target.ca);
  } catch (err) {
    throw new TokenCommandError(`the kubeconfig's CA certificate: ${errorText(err)}`, {
      cause: err,
    });
  }
  return `skiff agent --server ${target.server} --token ${token} --ca-cert-hash ${hash}`;
}

/**
 * Splits a string-slice flag value as pflag does (comma separated, blanks dropped) and appends
 * it to the earlier values; the first use replaces the default rather than adding to it.
 */
export function appendSliceFlag(
  value: string,
  previous: readonly string[] | undefined,
  defaults: readonly string[],
): string[] {
  const base = previous === undefined || previous === defaults ? [] : [...previous];
  for (const part of value.split(',')) {
    const v = part.trim();
    if (v !== '') base.push(v);
  }
  return base;
}

/** Validates a `--ttl` value for commander: Go duration syntax, not negative. */
export function parseTtlFlag(value: string): string {
  let ns: bigint;
  try {
    ns = parseGoDuration(value);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
  // kubeadm silently treats a negative TTL as "never expires"; refuse it rather than hand out
  // an everlasting credential by a typo.
  if (ns < 0n) throw new InvalidArgumentError('must not be negative (use 0 for no expiry)');
  return value;
}

/**
 * The BootstrapTokenSpec for `create` flags: TTL parsed (seconds; 0 = never expires), kubeadm's
 * defaults applied, `token` as given or `generated`. Throws DurationError on a bad TTL, Error on
 * a negative one; usages and groups are validated by bootstrapTokenSecret.
 */
export function tokenSpecFromFlags(
  flags: TokenCreateFlags,
  generated: string,
  now: Date,
): BootstrapTokenSpec {
  const ns = parseGoDuration(flags.ttl ?? DEFAULT_TOKEN_TTL);
  if (ns < 0n) throw new Error(`--ttl ${flags.ttl ?? ''} must not be negative`);
  const spec: BootstrapTokenSpec = {
    token: flags.token ?? generated,
    ttlSeconds: Number(ns) / 1e9,
    usages: flags.usages ?? DEFAULT_TOKEN_USAGES,
    groups: flags.groups ?? DEFAULT_TOKEN_GROUPS,
    now,
  };
  if (flags.description !== undefined && flags.description !== '') {
    spec.description = flags.description;
  }
  return spec;
}

// ---------------------------------------------------------------------------------------------
// Kubeconfig

/** Where and how to reach the API server, read from a kubeconfig. */
/** Where and how to reach the API server (the client library's RestConfig). */
export type ApiTarget = RestConfig;

/** A kubeconfig problem or an API error the user must act on; the message is one line. */
export class TokenCommandError extends Error {
  override readonly name = 'TokenCommandError';
}

type Doc = Record<string, unknown>;
const asDoc = (v: unknown): Doc | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Doc) : undefined;
const asString = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : undefined;

/**
 * Reads the server, CA and credentials of the current context (see the client library's
 * restConfigFromKubeconfig); its errors become TokenCommandErrors with the same message.
 */
export async function apiTargetFromKubeconfig(text: string, baseDir: string): Promise<ApiTarget> {
  const { KubeconfigError, restConfigFromKubeconfig } =
    await import('../client/rest/kubeconfig.ts');
  try {
    return await restConfigFromKubeconfig(text, baseDir);
  } catch (err) {
    if (err instanceof KubeconfigError) throw new TokenCommandError(err.message, { cause: err });
    throw err;
  }
}

/**
 * The target of the kubeconfig the flags name: `--kubeconfig`, else `DIR/kubeconfig.yaml` of
 * the data dir (`--data-dir`, `SKIFF_DATA_DIR`, `~/.skiff`). Throws TokenCommandError with a
 * hint when the file is missing.
 */
export async function loadApiTarget(flags: TokenConnectionFlags): Promise<ApiTarget> {
  let path: string;
  if (flags.kubeconfig !== undefined && flags.kubeconfig !== '') {
    path = resolvePath(flags.kubeconfig);
  } else {
    const { resolveDataDir } = await import('./data-dir.ts');
    const { kubeconfigPath } = await import('./kubeconfig.ts');
    path = kubeconfigPath(resolveDataDir(flags.dataDir));
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const hint =
      (err as { code?: unknown }).code === 'ENOENT'
        ? '; is skiff server running with this --data-dir? (or pass --kubeconfig)'
        : '';
    throw new TokenCommandError(`cannot read the kubeconfig ${path}: ${errorText(err)}${hint}`, {
      cause: err,
    });
  }
  try {
    return await apiTargetFromKubeconfig(text, dirname(path));
  } catch (err) {
    throw new TokenCommandError(`kubeconfig ${path}: ${errorText(err)}`, { cause: err });
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP

/** A non-2xx answer from the API server, with the message of its Status body. */
export class ApiResponseError extends Error {
  override readonly name = 'ApiResponseError';
  constructor(
    /** HTTP status code. */
    readonly code: number,
    /** The Status reason (`NotFound`, `AlreadyExists`, `Forbidden`...), '' when absent. */
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Network error codes that mean "nothing answers there", for the hint. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EADDRNOTAVAIL',
]);

/** The Status message of an error body, else the body text, else the HTTP status line. */
export function statusMessage(code: number, body: string): { reason: string; message: string } {
  try {
    const status = asDoc(JSON.parse(body) as unknown);
    if (status?.['kind'] === 'Status') {
      const message = asString(status['message']);
      const reason = asString(status['reason']) ?? '';
      if (message !== undefined) return { reason, message };
      if (reason !== '') return { reason, message: reason };
    }
  } catch {
    // Not JSON: fall through to the text.
  }
  const text = body.trim().split('\n')[0] ?? '';
  return { reason: '', message: text !== '' ? text : `HTTP ${String(code)}` };
}

/**
 * Sends one JSON request to the API server and resolves the decoded 2xx body. Rejects with
 * ApiResponseError for another status, TokenCommandError (one line, with a "is skiff server
 * running?" hint when nothing answers) for a network or TLS failure.
 */
export async function apiRequest(
  target: ApiTarget,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  // Lazily: node:https loads TLS, ~30 ms that `skiff version` (which loads this module) need not
  // pay. Not `import()`: the built program is one CommonJS script run through a V8 code cache,
  // where a dynamic import of a built-in module has no loader (scripts/main-loader.cjs).
  const { request } = process.getBuiltinModule('node:https');
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': 'skiff-token',
    };
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    if (target.token !== undefined) headers['Authorization'] = `Bearer ${target.token}`;
    let url: URL;
    try {
      url = new URL(`${target.server}${path}`);
    } catch {
      reject(new TokenCommandError(`invalid API server URL ${JSON.stringify(target.server)}`));
      return;
    }
    const req = request(
      url,
      {
        method,
        headers,
        ...(target.ca !== undefined ? { ca: target.ca } : {}),
        ...(target.cert !== undefined ? { cert: target.cert } : {}),
        ...(target.key !== undefined ? { key: target.key } : {}),
        rejectUnauthorized: target.insecureSkipTlsVerify !== true,
        // One-shot command: no pooled socket to keep the process alive afterwards.
        agent: false,
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => {
          reject(networkError(target.server, err));
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          if (code < 200 || code > 299) {
            const { reason, message } = statusMessage(code, text);
            reject(new ApiResponseError(code, reason, message));
            return;
          }
          try {
            resolve(text === '' ? undefined : (JSON.parse(text) as unknown));
          } catch {
            reject(new TokenCommandError(`the API server at ${target.server} sent invalid JSON`));
          }
        });
      },
    );
    req.on('timeout', () => {
      req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    });
    req.on('error', (err) => {
      reject(networkError(target.server, err));
    });
    req.end(payload);
  });
}

function networkError(server: string, err: Error): TokenCommandError {
  const code = (err as { code?: unknown }).code;
  const what =
    typeof code === 'string'
      ? `${code}${err.message.includes(code) ? '' : ` (${err.message})`}`
      : err.message;
  const hint =
    typeof code === 'string' && UNREACHABLE.has(code) ? '; is skiff server running?' : '';
  return new TokenCommandError(`cannot reach the API server at ${server}: ${what}${hint}`, {
    cause: err,
  });
}

function errorText(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e.code === 'string') return e.code;
  return typeof e.message === 'string' ? e.message : String(err);
}

// ---------------------------------------------------------------------------------------------
// Verbs

/** Test seams for the verbs. */
export interface TokenRunOptions {
  io?: CommandIo;
  /** Current time (expiry and TTL column). */
  now?: () => Date;
  /** Replaces the random token of `create`. */
  generateToken?: () => string;
}

/** Prints the failure (one line) and returns the exit code 1. */
function fail(io: CommandIo, verb: string, err: unknown): number {
  io.err(`skiff token ${verb}: error: ${err instanceof Error ? err.message : String(err)}`);
  const expected =
    err instanceof TokenCommandError ||
    err instanceof ApiResponseError ||
    err instanceof DurationError;
  // Anything else is a bug or an unexpected failure: with SKIFF_DEBUG=1 the stack helps report it.
  if (!expected && err instanceof Error && process.env['SKIFF_DEBUG'] === '1') {
    io.err(err.stack ?? err.message);
  }
  return 1;
}

/**
 * `skiff token create [token]`: creates the bootstrap token Secret (refusing to overwrite an
 * existing id) and prints only the token, so that `T=$(skiff token create)` works. Resolves to
 * the exit code: 0, or 1 after one line on stderr.
 */
export async function runTokenCreate(
  flags: TokenCreateFlags,
  opts: TokenRunOptions = {},
): Promise<number> {
  const io = opts.io ?? processIo;
  try {
    const authn = await import('../apiserver/authn/index.ts');
    const now = opts.now?.() ?? new Date();
    const generate = opts.generateToken ?? ((): string => authn.generateBootstrapToken());
    const spec = tokenSpecFromFlags(flags, flags.token ?? generate(), now);
    let secret: Secret;
    try {
      secret = authn.bootstrapTokenSecret(spec);
    } catch (err) {
      throw new TokenCommandError(err instanceof Error ? err.message : String(err), { cause: err });
    }
    const target = await loadApiTarget(flags);
    const tokenId = authn.parseBootstrapToken(spec.token)?.id ?? '';
    const join =
      flags.printJoinCommand === true ? await joinCommand(target, spec.token) : undefined;
    try {
      await apiRequest(target, 'POST', NS_SECRETS, secret);
    } catch (err) {
      if (err instanceof ApiResponseError && err.code === 409) {
        throw new TokenCommandError(`a token with id ${JSON.stringify(tokenId)} already exists`, {
          cause: err,
        });
      }
      throw err;
    }
    io.out(join ?? spec.token);
    return 0;
  } catch (err) {
    return fail(io, 'create', err);
  }
}

/**
 * `skiff token list`: the bootstrap tokens in kube-system as kubeadm's table (TOKEN TTL EXPIRES
 * USAGES DESCRIPTION EXTRA GROUPS); nothing when there are none. A Secret of the bootstrap type
 * that is not a well-formed token is reported on stderr and skipped. Resolves to the exit code.
 */
export async function runTokenList(
  flags: TokenConnectionFlags,
  opts: TokenRunOptions = {},
): Promise<number> {
  const io = opts.io ?? processIo;
  try {
    const authn = await import('../apiserver/authn/index.ts');
    const target = await loadApiTarget(flags);
    const selector = encodeURIComponent(`type=${authn.SECRET_TYPE_BOOTSTRAP_TOKEN}`);
    const list = (await apiRequest(target, 'GET', `${NS_SECRETS}?fieldSelector=${selector}`)) as
      SecretList | undefined;
    const tokens: BootstrapTokenInfo[] = [];
    for (const secret of list?.items ?? []) {
      const info = authn.bootstrapTokenFromSecret(secret);
      if (info === undefined) {
        io.err(
          `skipping Secret kube-system/${secret.metadata?.name ?? ''}: not a well-formed bootstrap token`,
        );
        continue;
      }
      tokens.push(info);
    }
    const table = authn.formatBootstrapTokenTable(tokens, opts.now?.() ?? new Date());
    for (const line of table.split('\n')) if (line !== '') io.out(line);
    return 0;
  } catch (err) {
    return fail(io, 'list', err);
  }
}

/**
 * `skiff token delete <id|token>...`: deletes each token's Secret in order, printing
 * `bootstrap token "<id>" deleted` for each; stops at the first failure (kubeadm's behaviour).
 * Resolves to the exit code.
 */
export async function runTokenDelete(
  idsOrTokens: readonly string[],
  flags: TokenConnectionFlags,
  opts: TokenRunOptions = {},
): Promise<number> {
  const io = opts.io ?? processIo;
  try {
    if (idsOrTokens.length === 0) {
      throw new TokenCommandError(
        `missing subcommand; 'token delete' is missing token of form ${JSON.stringify(TOKEN_ID_PATTERN)}`,
      );
    }
    const authn = await import('../apiserver/authn/index.ts');
    // Check every argument before deleting anything.
    const ids = idsOrTokens.map((arg) => {
      const r = authn.bootstrapTokenIdOf(arg);
      if ('error' in r) throw new TokenCommandError(r.error);
      return r.id;
    });
    const target = await loadApiTarget(flags);
    for (const id of ids) {
      const name = authn.bootstrapTokenSecretName(id);
      try {
        await apiRequest(target, 'DELETE', `${NS_SECRETS}/${name}`);
      } catch (err) {
        if (err instanceof ApiResponseError) {
          throw new TokenCommandError(
            `failed to delete bootstrap token ${JSON.stringify(id)}: ${err.message}`,
            { cause: err },
          );
        }
        throw err;
      }
      io.out(`bootstrap token ${JSON.stringify(id)} deleted`);
    }
    return 0;
  } catch (err) {
    return fail(io, 'delete', err);
  }
}

// ---------------------------------------------------------------------------------------------
// Commander

function addConnectionOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--data-dir <dir>',
        'data directory of the server; its admin kubeconfig is DIR/kubeconfig.yaml (default: ~/.skiff)',
      ).env('SKIFF_DATA_DIR'),
    )
    .addOption(
      new Option(
        '--kubeconfig <file>',
        'kubeconfig to talk to the cluster with (default: DIR/kubeconfig.yaml)',
      ),
    );
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function strList(v: unknown): readonly string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
}

/** Commander's option bag (untyped) as TokenConnectionFlags. */
function connectionFlagsFrom(opts: Record<string, unknown>): TokenConnectionFlags {
  const flags: TokenConnectionFlags = {};
  const dataDir = str(opts['dataDir']);
  if (dataDir !== undefined) flags.dataDir = dataDir;
  const kubeconfig = str(opts['kubeconfig']);
  if (kubeconfig !== undefined) flags.kubeconfig = kubeconfig;
  return flags;
}

/** Commander's option bag of `create` as TokenCreateFlags. */
export function tokenCreateFlagsFrom(
  token: string | undefined,
  opts: Record<string, unknown>,
): TokenCreateFlags {
  const flags: TokenCreateFlags = connectionFlagsFrom(opts);
  if (token !== undefined) flags.token = token;
  const ttl = str(opts['ttl']);
  if (ttl !== undefined) flags.ttl = ttl;
  const description = str(opts['description']);
  if (description !== undefined) flags.description = description;
  const usages = strList(opts['usages']);
  if (usages !== undefined) flags.usages = usages;
  const groups = strList(opts['groups']);
  if (groups !== undefined) flags.groups = groups;
  if (opts['printJoinCommand'] === true) flags.printJoinCommand = true;
  return flags;
}

/**
 * Declares `skiff token` with `create`, `list` and `delete` on `program`. The actions set
 * `process.exitCode` (0, or 1 after one line on stderr); flag errors are commander's (exit 1).
 * `skiff token` alone prints its help and fails, as kubeadm does.
 */
export function registerTokenCommands(program: Command): Command {
  const token = program
    .command('token')
    .summary('manage bootstrap tokens (for joining nodes)')
    .description(
      'Manage bootstrap tokens on the running server, like `kubeadm token`.\n' +
        'A token "[a-z0-9]{6}.[a-z0-9]{16}" is the Secret kube-system/bootstrap-token-<id> of type\n' +
        '"bootstrap.kubernetes.io/token"; the id is public, the part after the dot is secret.',
    );

  addConnectionOptions(
    token
      .command('create')
      .argument(
        '[token]',
        'the token to create, "[a-z0-9]{6}.[a-z0-9]{16}" (default: a random one)',
      )
      .summary('create a bootstrap token on the server')
      .description(
        'Create a bootstrap token on the server and print it (only the token, for scripts).',
      ),
  )
    .addOption(
      new Option(
        '--ttl <duration>',
        "the duration before the token expires (e.g. 1s, 2m, 3h); '0': it never expires",
      )
        .default(DEFAULT_TOKEN_TTL, DEFAULT_TOKEN_TTL)
        .argParser(parseTtlFlag),
    )
    .addOption(
      new Option('--description <text>', 'a human friendly description of how this token is used'),
    )
    .addOption(
      new Option(
        '--usages <usages>',
        'the ways this token can be used; repeat or comma-separate (valid: signing,authentication)',
      )
        .default(DEFAULT_TOKEN_USAGES, DEFAULT_TOKEN_USAGES.join(','))
        .argParser((v: string, prev: readonly string[] | undefined) =>
          appendSliceFlag(v, prev, DEFAULT_TOKEN_USAGES),
        ),
    )
    .addOption(
      new Option(
        '--groups <groups>',
        'extra groups the token authenticates as; each must match "system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]"',
      )
        .default(DEFAULT_TOKEN_GROUPS, DEFAULT_TOKEN_GROUPS.join(','))
        .argParser((v: string, prev: readonly string[] | undefined) =>
          appendSliceFlag(v, prev, DEFAULT_TOKEN_GROUPS),
        ),
    )
    .addOption(
      new Option(
        '--print-join-command',
        'instead of the token alone, print the `skiff agent` command that joins a machine with it',
      ),
    )
    .action(async (arg: string | undefined, opts: Record<string, unknown>) => {
      process.exitCode = await runTokenCreate(tokenCreateFlagsFrom(arg, opts));
    });

  addConnectionOptions(
    token
      .command('list')
      .summary('list the bootstrap tokens on the server')
      .description(
        'List the bootstrap tokens on the server (the full tokens: keep the output private).',
      ),
  ).action(async (opts: Record<string, unknown>) => {
    process.exitCode = await runTokenList(connectionFlagsFrom(opts));
  });

  addConnectionOptions(
    token
      .command('delete')
      .argument('[tokens...]', 'token ids "[a-z0-9]{6}" or full tokens')
      .summary('delete bootstrap tokens on the server')
      .description('Delete bootstrap tokens on the server, by id or by full token.'),
  ).action(async (args: string[], opts: Record<string, unknown>) => {
    process.exitCode = await runTokenDelete(args, connectionFlagsFrom(opts));
  });

  return token;
}
