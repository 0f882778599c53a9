// Column types that seal on write and open on read, so an entity's credentials and signing secret are
// plaintext in memory and never in the database.
import { type Platform, Type } from '@mikro-orm/core';
import { secretBoxFor } from './secret-box.ts';

export class SealedStringType extends Type<string | null, string | null> {
  override convertToDatabaseValue(value: string | null, platform: Platform): string | null {
    return value === null || value === undefined ? null : secretBoxFor(platform.getConfig()).seal(value);
  }
  override convertToJSValue(value: string | null, platform: Platform): string | null {
    return value === null || value === undefined ? null : secretBoxFor(platform.getConfig()).open(value);
  }
  override getColumnType(): string {
    return 'text';
  }
}

export class SealedJsonType extends Type<Record<string, unknown> | null, string | null> {
  override convertToDatabaseValue(value: Record<string, unknown> | null, platform: Platform): string | null {
    return value === null || value === undefined ? null : secretBoxFor(platform.getConfig()).seal(JSON.stringify(value));
  }
  override convertToJSValue(value: string | null, platform: Platform): Record<string, unknown> | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'object') return value;
    return JSON.parse(secretBoxFor(platform.getConfig()).open(value)) as Record<string, unknown>;
  }
  override getColumnType(): string {
    return 'text';
  }
}
