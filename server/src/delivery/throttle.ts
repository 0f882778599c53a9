// Rate-limit-aware throttling (DESIGN.md "Delivery protection"). A destination that says its quota is
// spent (429 + Retry-After, x-ratelimit-remaining: 0 with its reset, RateLimit-Remaining: 0 with
// RateLimit-Reset) gets no request before the reset, from any worker process: the wait is stored on the
// integration and the claim skips it. What a wait must not cost an event:
// - an event claimed but not sent because of the wait (or the static limit) goes back RETRYING, due at
//   the reset, and its attempt count is given back — no request, no attempt;
// - an event that was sent and answered 429 with a reset keeps its recorded attempt (it happened, its
//   number stays), but that attempt is not charged to its retry budget: it is due again at the reset.
//   Bounded: after MAX_FREE_ATTEMPTS requests in all, a 429 counts like any failure, so a destination
//   that answers 429 forever still ends the event FAILED.
import type { ClaimedEvent, DeliveryTarget, EntityManager, EventCompletion } from '@switchboard/db';
import { RATE_PERIOD_MS, reserveSendSlot } from '@switchboard/db';
import type { Logger } from '../logger.ts';
import type { AttemptResult } from './sender.ts';

export type Refund = 'unsent' | 'free';

/** Longest a claimed event waits in its worker for a static-limit slot; further away, it is put back instead. */
export const MAX_SLOT_WAIT_MS = 2000;
/** Requests an event may make in all before a 429 is charged to its retry budget like any failure. */
export const MAX_FREE_ATTEMPTS = 50;

/** How long the destination asked us to wait (seconds), or null when it did not. */
export function throttleSeconds(r: AttemptResult): number | null {
  let seconds: number | null = null;
  if (r.errorCode === '429' || r.errorCode === '503') seconds = r.retryAfterSeconds;
  if (r.rateLimit?.remaining === 0) seconds = Math.max(seconds ?? 0, r.rateLimitResetSeconds ?? r.retryAfterSeconds ?? 1);
  return seconds !== null && seconds > 0 ? seconds : null;
}

type Wait = Pick<EventCompletion, 'status' | 'nextAttemptAt' | 'errorCode' | 'reason'>;

/** A 429 with a reset: due again at the reset, not charged to the retry budget (see the file's comment). */
export function freeThrottledAttempt(event: ClaimedEvent, r: AttemptResult, untilMs: number | null): Wait | null {
  if (r.errorCode !== '429' || untilMs === null || event.attemptCount >= MAX_FREE_ATTEMPTS) return null;
  const at = new Date(untilMs);
  return {
    status: 'RETRYING',
    nextAttemptAt: at,
    errorCode: '429',
    reason: `rate limited (429): waiting until ${at.toISOString()}; not charged to the retry budget`,
  };
}

export interface Held {
  reason: 'rate_limited' | 'static_limit';
  completion: Omit<EventCompletion, 'id' | 'claimedAt' | 'receivedAt'>;
}

function held(reason: Held['reason'], at: Date, why: string): Held {
  return {
    reason,
    completion: {
      status: 'RETRYING',
      nextAttemptAt: at,
      errorCode: null,
      errorMessage: null,
      destinationRecordId: null,
      reason: `${why}: not sent, due again at ${at.toISOString()} (no attempt spent)`,
      at: new Date(),
    },
  };
}

/**
 * Before a send: null to send now (after waiting for the static limit's slot, when it is near), or the
 * event put back unsent when the destination's quota is spent or the slot is too far away.
 */
export async function waitForSendSlot(
  em: EntityManager,
  target: DeliveryTarget,
  throttledUntilMs: number,
  logger: Logger,
): Promise<Held | null> {
  if (throttledUntilMs > Date.now()) return held('rate_limited', new Date(throttledUntilMs), "the destination's rate limit is spent");
  const limit = target.deliveryRateLimit;
  if (!limit) return null;
  let slot: { at: Date; reserved: boolean };
  try {
    slot = await reserveSendSlot(em, target.id, limit, target.deliveryRatePeriod, MAX_SLOT_WAIT_MS);
  } catch (err) {
    logger.warn({ err: (err as Error).message, integrationId: target.id }, 'worker: reserving a rate-limit slot failed; event put back');
    return held('static_limit', new Date(Date.now() + RATE_PERIOD_MS[target.deliveryRatePeriod] / limit), 'rate-limit slot unavailable');
  }
  const per = target.deliveryRatePeriod === 'SECOND' ? 'second' : 'minute';
  if (!slot.reserved) return held('static_limit', slot.at, `over the integration's limit of ${limit} per ${per}`);
  const wait = slot.at.getTime() - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  return null;
}
