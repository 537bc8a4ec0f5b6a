export type { UserInfo } from '../api/index.ts';
