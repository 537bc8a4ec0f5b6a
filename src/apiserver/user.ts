/** The authenticated user of a request (from a client certificate; later also tokens). */
export interface UserInfo {
  username: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}
