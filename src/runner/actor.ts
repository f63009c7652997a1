import { hostname, userInfo } from 'node:os';
import type { Actor } from '../audit/chain.js';

/** The OS account and machine running `ir`, and who the operator says they are, for every audit record. */
export function currentActor(operator?: string): Actor {
  return { user: currentUser(), host: hostname(), ...(operator ? { operator } : {}) };
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry for this uid (common inside containers).
    return process.env.USER ?? `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}
