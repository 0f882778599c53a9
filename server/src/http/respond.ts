import type { ServerResponse } from 'node:http';
import { AppError } from '@switchboard/db';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Every refusal has the same shape: `{ "error": { "code", "message" } }`. */
export function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { code, message } }, headers);
}

/** Maps an expected (AppError) or unexpected error to an HTTP answer; unexpected ones never leak their message. */
export function sendCaught(res: ServerResponse, err: unknown): void {
  if (err instanceof AppError) {
    const headers: Record<string, string> = {};
    const retry = err.details?.retryAfterSeconds;
    if (typeof retry === 'number') headers['retry-after'] = String(Math.max(1, Math.ceil(retry)));
    sendError(res, err.httpStatus, err.code, err.message, headers);
    return;
  }
  sendError(res, 500, 'INTERNAL', 'Internal error');
}
