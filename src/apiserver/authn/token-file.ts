/**
 * Static bearer tokens from a CSV file (`--token-auth-file`), as upstream's
 * staging/src/k8s.io/apiserver/pkg/authentication/token/tokenfile: each record is
 * `token,user,uid[,"group1,group2"]`, parsed with Go's encoding/csv rules.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { UserInfo } from '../user.ts';
import { readGoCsv } from './go-csv.ts';
import type { TokenAuthResult } from './sa-tokens.ts';

function digest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64');
}

/**
 * Users by token, loaded once. Tokens are kept (and looked up) by their SHA-256 so neither a
 * heap dump nor the timing of the map lookup reveals them.
 */
export class StaticTokenFile {
  private readonly users: ReadonlyMap<string, UserInfo>;
  /** Warnings upstream logs while loading (empty and duplicate tokens). */
  readonly warnings: readonly string[];

  private constructor(users: Map<string, UserInfo>, warnings: string[]) {
    this.users = users;
    this.warnings = warnings;
  }

  /**
   * Parses the file's text; `path` only appears in messages. Throws the CSV ParseError or
   * `token file '<path>' must have at least 3 columns (token, user name, user uid), found N`.
   * Empty tokens are skipped and a duplicate token replaces the earlier one, with a warning.
   */
  static parse(text: string, path: string): StaticTokenFile {
    const users = new Map<string, UserInfo>();
    const warnings: string[] = [];
    let recordNum = 0;
    for (const record of readGoCsv(text)) {
      if (record.length < 3) {
        throw new Error(
          `token file '${path}' must have at least 3 columns (token, user name, user uid), found ${record.length}`,
        );
      }
      recordNum++;
      const [token = '', username = '', uid = ''] = record;
      if (token === '') {
        warnings.push(
          `empty token has been found in token file '${path}', record number '${recordNum}'`,
        );
        continue;
      }
      const key = digest(token);
      if (users.has(key)) {
        warnings.push(
          `duplicate token has been found in token file '${path}', record number '${recordNum}'`,
        );
      }
      // strings.Split: an empty fourth column is one empty group, as upstream.
      const user: UserInfo = {
        username,
        groups: record.length >= 4 ? (record[3] ?? '').split(',') : [],
      };
      if (uid !== '') user.uid = uid;
      users.set(key, user);
    }
    return new StaticTokenFile(users, warnings);
  }

  /** Reads and parses `path` (see {@link StaticTokenFile.parse}). */
  static async load(path: string): Promise<StaticTokenFile> {
    return StaticTokenFile.parse(await readFile(path, 'utf8'), path);
  }

  /** Number of distinct tokens. */
  get size(): number {
    return this.users.size;
  }

  /**
   * The user of `token` (a fresh copy), or undefined when the file does not hold it: a static
   * token is never "rejected", only unknown, so other authenticators still get their turn.
   */
  authenticateToken(token: string): TokenAuthResult {
    const user = this.users.get(digest(token));
    if (user === undefined) return undefined;
    const copy: UserInfo = { ...user, groups: [...user.groups] };
    return { ok: true, user: copy };
  }
}
