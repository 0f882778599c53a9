// Credentials and signing secrets at rest: AES-256-GCM (node:crypto) under a key from
// SWITCHBOARD_SECRET_KEY. A sealed value names the key that sealed it, so older keys can keep
// opening values while everything is re-sealed with the current one (key rotation). The nonce is
// derived from the plaintext (HMAC, as in AES-GCM-SIV's construction): the same secret under the same
// key seals to the same text, which keeps the ORM's change detection quiet and never reuses a nonce
// for two different plaintexts.
import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const PREFIX = 'sb1:';

export class SecretKeyError extends Error {
  override name = 'SecretKeyError';
}

interface Key {
  id: string;
  enc: KeyObject;
  mac: KeyObject;
}

/** A key from its text form: 32 bytes as base64 / base64url (44 or 43 characters) or hex (64). */
export function parseSecretKey(text: string): Buffer {
  const t = text.trim();
  let bytes: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(t)) bytes = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) bytes = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes?.length !== 32) throw new SecretKeyError('must be 32 bytes, as 64 hex characters or base64 (e.g. `openssl rand -base64 32`)');
  return bytes;
}

function keyOf(bytes: Buffer): Key {
  const derive = (label: string) => createSecretKey(createHmac('sha256', bytes).update(label).digest());
  return {
    id: createHash('sha256').update(bytes).digest('hex').slice(0, 8),
    enc: derive('switchboard/enc'),
    mac: derive('switchboard/nonce'),
  };
}

export class SecretBox {
  readonly #current: Key | null;
  readonly #byId = new Map<string, Key>();

  /** `current` seals; `previous` keys still open what they sealed. No key at all: values stay as they are (and `seal` refuses). */
  constructor(current: Buffer | null, previous: readonly Buffer[] = []) {
    this.#current = current ? keyOf(current) : null;
    for (const k of [...(this.#current ? [this.#current] : []), ...previous.map(keyOf)]) if (!this.#byId.has(k.id)) this.#byId.set(k.id, k);
  }

  get currentKeyId(): string | null {
    return this.#current?.id ?? null;
  }

  static isSealed(value: string): boolean {
    return value.startsWith(PREFIX);
  }

  /** True when `value` is sealed with the current key (nothing to re-seal). */
  isCurrent(value: string): boolean {
    return this.#current !== null && value.startsWith(`${PREFIX}${this.#current.id}:`);
  }

  seal(plaintext: string): string {
    const key = this.#current;
    if (!key) throw new SecretKeyError('no secret key is configured (SWITCHBOARD_SECRET_KEY), so secrets cannot be stored');
    const iv = createHmac('sha256', key.mac).update(plaintext).digest().subarray(0, 12);
    const cipher = createCipheriv('aes-256-gcm', key.enc, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${PREFIX}${key.id}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  /** The plaintext of a sealed value; a value stored before sealing existed is returned as it is. */
  open(value: string): string {
    if (!value.startsWith(PREFIX)) return value;
    const sep = value.indexOf(':', PREFIX.length);
    const key = this.#byId.get(value.slice(PREFIX.length, sep));
    if (!key)
      throw new SecretKeyError(
        `a stored secret was sealed with key ${value.slice(PREFIX.length, sep)}, which is not configured (SWITCHBOARD_SECRET_KEY / SWITCHBOARD_SECRET_KEY_PREVIOUS)`,
      );
    const raw = Buffer.from(value.slice(sep + 1), 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key.enc, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}

// The box of each ORM instance (by its configuration), for the column types below, which only see the platform.
const boxes = new WeakMap<object, SecretBox>();

export function registerSecretBox(config: object, box: SecretBox): void {
  boxes.set(config, box);
}

export function secretBoxFor(config: object): SecretBox {
  const box = boxes.get(config);
  if (!box) throw new SecretKeyError('this database was opened without a secret box');
  return box;
}

export interface SecretKeySource {
  /** SWITCHBOARD_SECRET_KEY. */
  key?: string | undefined;
  /** SWITCHBOARD_SECRET_KEY_PREVIOUS: comma-separated keys that still open what they sealed. */
  previous?: string | undefined;
  /** Where a key is generated and kept when none is given (the embedded default). */
  dataDir?: string | undefined;
}

/**
 * The box for a process: the configured key, or one generated once into `<dataDir>/secret.key`
 * (mode 0600) and reused by every later start and process sharing that folder.
 */
export function loadSecretBox(src: SecretKeySource): { box: SecretBox; generated: string | null } {
  const previous = (src.previous ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(parseSecretKey);
  if (src.key) return { box: new SecretBox(parseSecretKey(src.key), previous), generated: null };
  const file = path.join(src.dataDir ?? '.switchboard', 'secret.key');
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return { box: new SecretBox(parseSecretKey(readFileSync(file, 'utf8')), previous), generated: file };
}
