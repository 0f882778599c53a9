import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { runsCompiled } from './use-large-answer-jit.ts';

describe('which queries run compiled', () => {
  it.each([
    ['{ trends(range: { from: "a", to: "b" }, bucket: HOUR) { type } }', null, true],
    ['query T { __typename trends(range: { from: "a", to: "b" }, bucket: DAY) { type } }', 'T', true],
    ['{ trends(range: { from: "a", to: "b" }, bucket: HOUR) { type } overview(range: { from: "a", to: "b" }) { failed } }', null, false],
    ['{ __typename }', null, false],
    ['{ ... on Query { trends(range: { from: "a", to: "b" }, bucket: HOUR) { type } } }', null, false],
    ['mutation { trends }', null, false],
    ['subscription { trends }', null, false],
    ['query A { trends(range: { from: "a", to: "b" }, bucket: HOUR) { type } } query B { events { totalCount } }', 'B', false],
    ['query A { trends(range: { from: "a", to: "b" }, bucket: HOUR) { type } } query B { events { totalCount } }', 'A', true],
  ])('%s (%s) → %s', (query, operationName, compiled) => {
    expect(runsCompiled(parse(query), operationName)).toBe(compiled);
  });
});
