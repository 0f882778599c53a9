export { type App, type BuildOptions, buildApp } from './app.ts';
export { Authenticator, type AuthenticatorOptions, type PresentedKey } from './auth.ts';
export { ConfigError, type Config, loadConfig } from './config.ts';
export { createLogger, type Logger } from './logger.ts';
