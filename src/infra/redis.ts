// Redis client factory (ioredis). Commands queue while disconnected and are retried by the caller's
// own policy; ioredis reconnects with a capped backoff. Credentials and TLS come from the config.
import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { InsidersError } from '../errors.js';
import { tlsConnectionOptions } from './tls.js';

/** Replies and TLS failures that no reconnect can mend: the settings are wrong. */
const settingsProblem =
  /WRONGPASS|NOAUTH|NOPERM|certificate|self[- ]signed|altnames|alert|wrong version number|SSL routines/i;

/**
 * ioredis with one change: when the first connection fails, `connect()` rejects with the reason
 * (WRONGPASS, a certificate the CA did not sign, a refused port) instead of "Connection is
 * closed.", and stops reconnecting, so a process with wrong settings stops at start-up saying why.
 * Once a connection has been ready, ioredis' own reconnects (which call connect() too) go on as
 * ioredis does them: a Redis that goes away later is waited for, never given up on.
 */
class ConfiguredRedis extends Redis {
  #lastError: Error | undefined;
  #wasReady = false;
  readonly #where: string;
  readonly #tls: boolean;

  constructor(config: Config['redis']) {
    super(config.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 3,
      enableAutoPipelining: false,
      retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
      ...(config.username !== undefined && { username: config.username }),
      ...(config.password !== undefined && { password: config.password }),
      ...(config.tls && { tls: tlsConnectionOptions(config.tls) }),
    });
    this.#tls = config.tls !== undefined;
    this.#where = `${config.url}${config.username === undefined ? '' : ` as ${config.username}`}`;
    // Connection errors reach callers as rejected commands (and connect() below); without a
    // listener ioredis would also print each one to the console.
    this.on('error', (err: Error) => (this.#lastError = err));
    this.once('ready', () => (this.#wasReady = true));
  }

  override async connect(callback?: () => void): Promise<void> {
    // Already connecting or connected: ioredis' own answer, and the connection is left alone.
    if (this.#wasReady || this.status === 'connecting' || this.status === 'connect' || this.status === 'ready') {
      return super.connect(callback);
    }
    this.#lastError = undefined;
    try {
      await super.connect(callback);
    } catch (err) {
      this.disconnect();
      const reason = this.#lastError ?? (err instanceof Error ? err : new Error(String(err)));
      throw new InsidersError('CONNECTION_FAILED', `cannot connect to Redis at ${this.#where}: ${reason.message.trim()}${this.#hint(reason)}`, {
        retryable: !settingsProblem.test(reason.message),
        cause: reason,
      });
    }
  }

  /** A reset during the handshake is all a client sees of a TLS mismatch; say what it usually means. */
  #hint(reason: Error): string {
    if (!/ECONNRESET/.test(reason.message)) return '';
    return this.#tls
      ? ' (does the server require a client certificate? REDIS_TLS_CERT_FILE, REDIS_TLS_KEY_FILE)'
      : ' (does the server expect TLS? a rediss:// REDIS_URL)';
  }
}

export function createRedis(config: Config['redis']): Redis {
  return new ConfiguredRedis(config);
}
