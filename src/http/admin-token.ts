// The admin token of the HTTP API (`Authorization: Bearer <token>`). Compared in constant time:
// both sides are hashed to fixed-length digests first, so neither the token's length nor the
// position of the first differing byte shows in the time a request takes.
import { createHash, timingSafeEqual } from 'node:crypto';

/** ok; missing: no usable Bearer credentials (401); wrong: a token that is not it (403); disabled: none configured (403) */
export type TokenCheck = 'ok' | 'missing' | 'wrong' | 'disabled';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function checkAdminToken(authorization: string | undefined, token: string | undefined): TokenCheck {
  if (token === undefined || token === '') return 'disabled';
  const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(authorization ?? '');
  if (match?.[1] === undefined) return 'missing';
  return timingSafeEqual(digest(match[1]), digest(token)) ? 'ok' : 'wrong';
}
