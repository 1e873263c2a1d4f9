// Redis client factory (ioredis): one Redis (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES).
// Commands queue while disconnected and are retried by the caller's own policy; ioredis reconnects
// with a capped backoff. Credentials and TLS come from the config, for every node of a cluster.
import type { EventEmitter } from 'node:events';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config.js';
import { ConfigError, InsidersError } from '../errors.js';
import { tlsConnectionOptions } from './tls.js';

/**
 * A Redis client of either kind. Both run commands, scripts (defineCommand), pipelines and
 * MULTI. On a cluster, Redis refuses a command, script or MULTI whose keys are in more than one
 * hash slot (CROSSSLOT); ioredis refuses a pipeline whose keys are on more than one master; and
 * SCAN walks one node only: scan each of masters(client).
 */
export type RedisClient = Redis | Cluster;

/**
 * Replies and TLS failures that no reconnect can mend: the settings are wrong (so are cluster
 * nodes that name a Redis without cluster support).
 */
const settingsProblem =
  /WRONGPASS|NOAUTH|NOPERM|certificate|self[- ]signed|altnames|alert|wrong version number|SSL routines|cluster support disabled/i;

/** ms before reconnect attempt `attempt` (1, 2, ...): doubling from 100 ms, at most 2 s. */
const reconnectDelayMs = (attempt: number) => Math.min(50 * 2 ** attempt, 2000);

/** The options of one connection, to the Redis of REDIS_URL or to each node of a cluster. */
function connectionOptions(config: Config['redis']) {
  return {
    maxRetriesPerRequest: 3,
    ...(config.username !== undefined && { username: config.username }),
    ...(config.password !== undefined && { password: config.password }),
    ...(config.tls && { tls: tlsConnectionOptions(config.tls) }),
  } satisfies RedisOptions;
}

/**
 * The first connection of a client, made to fail usefully: `connect()` rejects with the reason
 * (WRONGPASS, a certificate the CA did not sign, a refused port) instead of "Connection is
 * closed.", and the client stops reconnecting, so a process with wrong settings stops at start-up
 * saying why. Once a connection has been ready, ioredis' own reconnects (which call connect() too)
 * go on as ioredis does them: a Redis that goes away later is waited for, never given up on.
 */
class FirstConnection {
  #lastError: Error | undefined;
  #wasReady = false;

  constructor(
    private readonly where: string,
    private readonly tls: boolean,
  ) {}

  get wasReady(): boolean {
    return this.#wasReady;
  }

  /** Starts listening to `client`; call once, from its constructor. */
  watch(client: EventEmitter): void {
    // Connection errors reach callers as rejected commands (and connect() below); without a
    // listener ioredis would also print each one to the console. A cluster reports a node's
    // error as 'node error', with the node's address.
    client.on('error', (err: Error) => {
      // A cluster's "Failed to refresh slots cache." comes after the node errors that say why.
      if (!('lastNodeError' in err && this.#lastError)) this.#lastError = err;
    });
    client.on('node error', (err: Error, node: string) => (this.#lastError = new Error(`${node}: ${err.message}`)));
    client.once('ready', () => (this.#wasReady = true));
  }

  async connect(client: RedisClient, connect: () => Promise<void>): Promise<void> {
    // Already connecting or connected: ioredis' own answer, and the connection is left alone.
    if (this.#wasReady || client.status === 'connecting' || client.status === 'connect' || client.status === 'ready') {
      return connect();
    }
    this.#lastError = undefined;
    try {
      await connect();
    } catch (err) {
      if (client.status !== 'end') client.disconnect();
      const reason = this.#reason(err);
      throw new InsidersError(
        'CONNECTION_FAILED',
        `cannot connect to ${this.where}: ${reason.message.trim()}${this.#hint(reason)}`,
        { retryable: !settingsProblem.test(reason.message), cause: reason },
      );
    }
  }

  /**
   * Why the first connection failed: the last error a connection reported says it best, but a
   * cluster that is not ready is the cause of a node's refusal, not the other way round.
   */
  #reason(err: unknown): Error {
    const last = this.#lastError;
    if (err instanceof ClusterNotReadyError) return last ? new Error(`${err.message}; ${last.message}`) : err;
    return last ?? (err instanceof Error ? err : new Error(String(err)));
  }

  /** A reset during the handshake is all a client sees of a TLS mismatch; say what it usually means. */
  #hint(reason: Error): string {
    if (!/ECONNRESET/.test(reason.message)) return '';
    return this.tls
      ? ' (does the server require a client certificate? REDIS_TLS_CERT_FILE, REDIS_TLS_KEY_FILE)'
      : ' (does the server expect TLS? a rediss:// REDIS_URL, or REDIS_CLUSTER_TLS=1)';
  }
}

const asWho = (config: Config['redis']) => (config.username === undefined ? '' : ` as ${config.username}`);

class ConfiguredRedis extends Redis {
  readonly #first: FirstConnection;

  constructor(config: Config['redis']) {
    super(config.url, {
      ...connectionOptions(config),
      lazyConnect: true,
      enableAutoPipelining: false,
      retryStrategy: reconnectDelayMs,
    });
    this.#first = new FirstConnection(`Redis at ${config.url}${asWho(config)}`, config.tls !== undefined);
    this.#first.watch(this);
  }

  override connect(callback?: () => void): Promise<void> {
    return this.#first.connect(this, () => super.connect(callback));
  }
}

class ConfiguredCluster extends Cluster {
  readonly #first: FirstConnection;

  constructor(config: Config['redis'], nodes: readonly { host: string; port: number }[]) {
    const where = `the Redis Cluster at ${nodes.map((n) => `${n.host}:${n.port}`).join(',')}${asWho(config)}`;
    const first = new FirstConnection(where, config.tls !== undefined);
    super(
      nodes.map((n) => ({ ...n })),
      {
        lazyConnect: true,
        enableAutoPipelining: false,
        // Commands wait while the cluster is away, as they do for one Redis.
        enableOfflineQueue: true,
        // No reconnect before the first ready connection: connect() rejects with the reason.
        clusterRetryStrategy: (attempt) => (first.wasReady ? reconnectDelayMs(attempt) : null),
        redisOptions: connectionOptions(config),
      },
    );
    this.#first = first;
    first.watch(this);
  }

  override connect(): Promise<void> {
    return this.#first.connect(this, () => (this.#first.wasReady ? super.connect() : readyOrEnded(this, super.connect())));
  }
}

class ClusterNotReadyError extends Error {
  constructor() {
    super('the cluster is not ready (cluster_state is not ok)');
  }
}

/**
 * `connecting`, or a rejection when the cluster ends first: a first connection to a cluster whose
 * state is not ok fails its ready check and ends without ever settling connect().
 */

function readyOrEnded(cluster: Cluster, connecting: Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const ended = () => reject(new ClusterNotReadyError());
    cluster.once('end', ended);
    void connecting.then(resolve, reject).finally(() => cluster.off('end', ended));
  });
}

/** The client the configuration names: a Cluster with REDIS_CLUSTER_NODES, else one Redis. */
export function createRedisClient(config: Config['redis']): RedisClient {
  return config.cluster ? new ConfiguredCluster(config, config.cluster.nodes) : new ConfiguredRedis(config);
}

/** A client of one Redis, for code that needs one (SCAN over the whole keyspace, say). */
export function createRedis(config: Config['redis']): Redis {
  if (config.cluster) {
    const nodes = config.cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',');
    throw new ConfigError('REDIS_CLUSTER_NODES', nodes, 'unset: this works on one Redis only (REDIS_URL)');
  }
  return new ConfiguredRedis(config);
}

/**
 * The clients that together hold every key: the client itself for one Redis, each master's
 * connection for a cluster (replicas hold copies). Scan each to visit every key once.
 */
export function masters(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}
