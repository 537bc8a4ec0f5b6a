/**
 * Who sent a request (upstream's union authenticator, in its order): an x509 client
 * certificate signed by the cluster CA (user = CN, groups = O), else a bearer token (static
 * token file, bootstrap tokens, service account JWTs). Every authenticated user gets the group
 * `system:authenticated`. Certificates are read once per TLS connection; token results are
 * cached for 10 s by the bearer chain.
 */
import type { TLSSocket } from 'node:tls';
import type { UserInfo } from '../../api/index.ts';
import { bearerTokenFromHeader } from '../authn/index.ts';
import type { BearerAuthenticator } from '../authn/index.ts';

/** What the handler needs of a request to authenticate it (an HTTP/1 or HTTP/2 request). */
export interface AuthnRequest {
  headers: Record<string, string | string[] | undefined>;
}

export class RequestAuthenticator {
  /** Identities per TLS connection: the peer certificate cannot change within one. */
  private readonly userBySocket = new WeakMap<object, UserInfo | null>();

  constructor(private readonly bearer?: BearerAuthenticator) {}

  /**
   * The request's user, or undefined when it carries no valid credential (the handler answers
   * 401). Synchronous for certificates, a promise for tokens.
   */
  authenticate(req: AuthnRequest): UserInfo | undefined | Promise<UserInfo | undefined> {
    const fromCert = this.clientCertUser(req);
    if (fromCert !== undefined) return fromCert;
    if (this.bearer === undefined) return undefined;
    const authorization = req.headers['authorization'];
    const { token } = bearerTokenFromHeader(
      Array.isArray(authorization) ? authorization[0] : authorization,
    );
    if (token === undefined) return undefined;
    return this.bearer.authenticate(token).then((r) => r.user);
  }

  /** A token's user for TokenReview (`audiences` default to the API server's). */
  async reviewToken(
    token: string,
    audiences?: readonly string[],
  ): Promise<{ user?: UserInfo; audiences?: string[] }> {
    if (this.bearer === undefined) return {};
    const r = await this.bearer.authenticate(token, audiences);
    return {
      ...(r.user === undefined ? {} : { user: r.user }),
      ...(r.audiences === undefined ? {} : { audiences: r.audiences }),
    };
  }

  private clientCertUser(req: AuthnRequest): UserInfo | undefined {
    const socket = (req as unknown as { socket?: TLSSocket }).socket;
    if (socket === undefined) return undefined;
    // HTTP/2 exposes a per-request proxy; the session's socket is the stable key.
    const stable =
      (req as unknown as { stream?: { session?: { socket?: object } } }).stream?.session?.socket ??
      socket;
    const cached = this.userBySocket.get(stable);
    if (cached !== undefined) return cached ?? undefined;
    const user = identityOf(socket);
    this.userBySocket.set(stable, user ?? null);
    return user;
  }
}

function identityOf(socket: TLSSocket): UserInfo | undefined {
  if (!socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  // A resumed TLS session may report authorized without a certificate: no identity then.
  const subject = (cert as { subject?: Record<string, string | string[] | undefined> }).subject;
  if (subject === undefined) return undefined;
  const cn = subject['CN'];
  if (typeof cn !== 'string' || cn === '') return undefined;
  const o = cert.subject.O;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { username: cn, groups: [...groups, 'system:authenticated'] };
}
