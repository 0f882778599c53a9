import type { IncomingMessage, ServerResponse } from 'node:http';

export type ConsoleHandler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

/** SvelteKit's built handler, set up to be mounted in the API server (see mount.js). */
export function loadConsoleHandler(options?: { apiUrl?: string }): Promise<ConsoleHandler>;
