// Entries in the shared store travel in an envelope: the value's exact JSON
// text and, with a signing key, an HMAC-SHA256 of the key and that text. The
// key is signed too, so an entry copied under another key is refused. The
// text is signed as written, not re-serialized, so nothing depends on JSON
// formatting being stable across versions.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { unreachable } from '../util/unreachable.js';
import { RawJson } from './store.js';

export interface Envelope {
  /** The value as JSON text. */
  j: string;
  /** hex HMAC-SHA256 of `${key}\n${j}`, when the writer had a signing key. */
  s?: string;
}

export type Unsealed = { value: unknown } | { problem: 'unsigned' | 'bad-signature' | 'not-an-envelope' };

export function seal(key: string, value: unknown, signingKey: string | undefined): Envelope {
  const j = value instanceof RawJson ? value.json : JSON.stringify(value);
  return signingKey === undefined ? { j } : { j, s: signatureOf(key, j, signingKey) };
}

/** The value in an envelope read from the shared store; with a signing key, only a correctly signed one. */
export function unseal(key: string, raw: unknown, signingKey: string | undefined): Unsealed {
  if (!isEnvelope(raw)) return { problem: 'not-an-envelope' };
  if (signingKey !== undefined) {
    if (raw.s === undefined) return { problem: 'unsigned' };
    const expected = Buffer.from(signatureOf(key, raw.j, signingKey), 'hex');
    const given = Buffer.from(raw.s, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { problem: 'bad-signature' };
  }
  try {
    return { value: JSON.parse(raw.j) as unknown };
  } catch {
    return { problem: 'not-an-envelope' };
  }
}

export function describeProblem(problem: Extract<Unsealed, { problem: string }>['problem']): string {
  switch (problem) {
    case 'unsigned':
      return 'it is not signed';
    case 'bad-signature':
      return 'its signature does not match (tampered with, or signed with another key)';
    case 'not-an-envelope':
      return 'it is not in the shared-entry format';
    default:
      return unreachable(problem);
  }
}

function signatureOf(key: string, text: string, signingKey: string): string {
  return createHmac('sha256', signingKey).update(`${key}\n${text}`).digest('hex');
}

function isEnvelope(raw: unknown): raw is Envelope {
  if (raw === null || typeof raw !== 'object') return false;
  const { j, s } = raw as Record<string, unknown>;
  return typeof j === 'string' && (s === undefined || typeof s === 'string');
}
