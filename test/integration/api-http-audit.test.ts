// The GraphQL-over-HTTP spec audit of the `graphql-http` package against the real /graphql, with a
// READ key on every request (the audits' own queries are `{ __typename }`-shaped).
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;
let key: string;

beforeAll(async () => {
  s = await startTestServer({ SWITCHBOARD_WORKER: '0', SWITCHBOARD_API_RATE_LIMIT: '0' });
  key = (await s.createWorkspace('Audit')).adminKey;
});
afterAll(() => s.close());

const withKey: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set('authorization', `Bearer ${key}`);
  return fetch(input, { ...init, headers });
};

describe('graphql-http serverAudits', () => {
  for (const audit of serverAudits({ url: () => `${s.url}/graphql`, fetchFn: (...a: Parameters<typeof fetch>) => withKey(...a) })) {
    if (!audit.name.startsWith('MUST')) continue;
    it(audit.name, async () => {
      const result = await audit.fn();
      expect(result.status, 'reason' in result ? result.reason : '').toBe('ok');
    });
  }
});
