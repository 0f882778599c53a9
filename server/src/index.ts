export { type App, type BuildOptions, buildApp } from './app.ts';
export { ConfigError, type Config, loadConfig } from './config.ts';
export { createLogger, type Logger } from './logger.ts';
