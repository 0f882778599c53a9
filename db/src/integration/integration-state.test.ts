import { MikroORM } from '@mikro-orm/postgresql';
import { describe, expect, it } from 'vitest';
import { ormConfig } from '../database.ts';
import { INTEGRATION_STATES, type IntegrationState } from '../domain.ts';
import { InvalidTransitionError } from '../errors.ts';
import { newId } from '../ids.ts';
import { Integration } from './integration.entity.ts';
import { INTEGRATION_ACTIONS, type IntegrationAction, nextIntegrationState } from './integration-state.ts';

// The lifecycle table of DESIGN.md, written out cell by cell (null = invalid).
const TABLE: Record<IntegrationState, Record<IntegrationAction, IntegrationState | null>> = {
  ACTIVE: { pause: 'PAUSED', resume: null, reconnect: null, disconnect: 'DISCONNECTED', authFailure: 'ERROR' },
  PAUSED: { pause: null, resume: 'ACTIVE', reconnect: null, disconnect: 'DISCONNECTED', authFailure: null },
  ERROR: { pause: 'PAUSED', resume: null, reconnect: 'ACTIVE', disconnect: 'DISCONNECTED', authFailure: null },
  DISCONNECTED: { pause: null, resume: null, reconnect: 'ACTIVE', disconnect: null, authFailure: null },
};

// Metadata only: entities are built the way the app builds them, no database is reached.
const orm = new MikroORM(ormConfig('postgresql://unused@127.0.0.1:1/unused'));

function integrationIn(state: IntegrationState): Integration {
  const i = orm.em.fork().create(Integration, {
    id: newId(),
    workspace: newId(),
    name: 'CRM sync',
    type: 'OUTBOUND_WEBHOOK',
    provider: 'hubspot',
    providerClass: 'CRM',
    direction: 'OUTBOUND',
    signingSecret: 'whsec_x',
    retrySchedule: [0],
    state,
    stateReason: 'before',
    consecutiveFailures: 3,
    consecutiveAuthFailures: 2,
  });
  return i;
}

describe('integration lifecycle', () => {
  for (const from of INTEGRATION_STATES) {
    for (const action of INTEGRATION_ACTIONS) {
      const expected = TABLE[from][action];
      if (expected) {
        it(`${action} from ${from} → ${expected}, recorded with actor and reason`, () => {
          expect(nextIntegrationState(action, from)).toBe(expected);
          const i = integrationIn(from);
          const change = i.transition(action, 'ops-key', 'because');
          expect(i.state).toBe(expected);
          expect(i.stateReason).toBe('because');
          expect(change).toMatchObject({ from, to: expected, actor: 'ops-key', reason: 'because' });
          expect(i.stateChanges.getItems()).toEqual([change]);
          if (expected === 'ACTIVE') expect(i.consecutiveAuthFailures).toBe(0);
        });
      } else {
        it(`${action} from ${from} is invalid, names both states and changes nothing`, () => {
          const i = integrationIn(from);
          let caught: unknown;
          try {
            i.transition(action, 'ops-key', 'because');
          } catch (err) {
            caught = err;
          }
          expect(caught).toBeInstanceOf(InvalidTransitionError);
          const err = caught as InvalidTransitionError;
          expect(err.code).toBe('INVALID_TRANSITION');
          expect(err.message).toContain(from);
          expect(err.message).toContain(err.to);
          expect(i.state).toBe(from);
          expect(i.stateReason).toBe('before');
          expect(i.stateChanges.getItems()).toEqual([]);
        });
      }
    }
  }

  it('a failed reconnect keeps the state and records the reason', () => {
    const i = integrationIn('ERROR');
    const change = i.recordFailedReconnect('ops-key', 'test call answered 401');
    expect(i.state).toBe('ERROR');
    expect(i.stateReason).toBe('test call answered 401');
    expect(change).toMatchObject({ from: 'ERROR', to: 'ERROR', reason: 'test call answered 401' });
  });

  it('only ACTIVE delivers; only DISCONNECTED refuses new events', () => {
    for (const s of INTEGRATION_STATES) {
      expect(integrationIn(s).deliversNow()).toBe(s === 'ACTIVE');
      expect(integrationIn(s).acceptsEvents()).toBe(s !== 'DISCONNECTED');
    }
  });
});
