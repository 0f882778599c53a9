import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { toClientError } from './errors.ts';

describe('toClientError', () => {
  it("keeps GraphQL's own request errors, including a variable's coercion error that wraps the type's error", () => {
    const inner = new GraphQLError('Value "GONE" does not exist in "EventStatus" enum.');
    const outer = new GraphQLError(`Variable "$f" got invalid value "GONE" at "f.statuses[0]"; ${inner.message}`, { originalError: inner });
    const client = toClientError(outer);
    expect(client.message).toBe(outer.message);
    expect(client.extensions.code).toBe('BAD_USER_INPUT');
    expect(toClientError(new GraphQLError('Syntax Error: Expected Name, found <EOF>.')).message).toMatch(/Syntax Error/);
  });

  it('masks anything else, however deeply wrapped', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    for (const error of [
      bug,
      new GraphQLError(bug.message, { originalError: bug }),
      new GraphQLError('x', { originalError: new GraphQLError('y', { originalError: bug }) }),
    ]) {
      const client = toClientError(error);
      expect(client.message).toBe('Unexpected error');
      expect(client.extensions.code).toBe('INTERNAL');
    }
  });
});
