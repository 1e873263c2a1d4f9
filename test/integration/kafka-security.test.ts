// Kafka with SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) and with TLS, on brokers of the test's own:
// createKafka produces and consumes with the settings config.ts reads, and fails saying why with
// wrong ones.
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createKafka, createProducer, ensureTopics } from '../../src/infra/kafka.js';
import { silentLogger } from '../../src/log.js';
import { makeCertificates, type Certificates } from '../support/certificates.js';
import { uniqueName } from '../support/names.js';
import { ownKafka, type OwnKafka } from '../support/own-kafka.js';

function kafkaFor(env: Record<string, string>): Kafka {
  return createKafka(loadConfig({ ...env, KAFKA_CLIENT_ID: uniqueName('security') }).kafka, silentLogger);
}

/** Creates a topic, produces three messages and reads them back through a consumer group. */
async function roundTrip(kafka: Kafka): Promise<string[]> {
  const topic = uniqueName('secure');
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic, numPartitions: 1 }]);
  await admin.disconnect();
  const producer = createProducer(kafka);
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: ['one', 'two', 'three'].map((value) => ({ key: 'k', value })) });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: uniqueName('secure') });
  const seen: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: ({ message }) => {
        seen.push(message.value?.toString() ?? '');
        if (seen.length === 3) resolve();
        return Promise.resolve();
      },
    });
  });
  await done;
  await consumer.disconnect();
  return seen;
}

/** The reason an admin client cannot connect, as the caller sees it. */
async function connectError(kafka: Kafka): Promise<Error> {
  // No retries: a wrong certificate or password stays wrong, and the test need not wait for backoff.
  const admin = kafka.admin({ retry: { retries: 0 } });
  const err = await admin.connect().then(
    () => new Error('connected'),
    (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
  );
  await admin.disconnect();
  return err;
}

describe('Kafka with SASL', () => {
  let broker: OwnKafka;
  beforeAll(async () => {
    broker = await ownKafka({
      protocol: 'SASL_PLAINTEXT',
      properties: {
        'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
        'listener.name.client.plain.sasl.jaas.config':
          'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
        'listener.name.client.scram-sha-256.sasl.jaas.config':
          'org.apache.kafka.common.security.scram.ScramLoginModule required;',
        'listener.name.client.scram-sha-512.sasl.jaas.config':
          'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      },
      formatArgs: [
        '--add-scram',
        'SCRAM-SHA-256=[name=carol,password=carol-secret]',
        '--add-scram',
        'SCRAM-SHA-512=[name=dave,password=dave-secret]',
      ],
    });
    await broker.start();
  });
  afterAll(() => broker.destroy());

  it.each([
    ['PLAIN', 'alice', 'alice-secret'],
    ['SCRAM-SHA-256', 'carol', 'carol-secret'],
    ['SCRAM-SHA-512', 'dave', 'dave-secret'],
  ])('%s: produces and consumes', async (mechanism, username, password) => {
    const kafka = kafkaFor({
      KAFKA_BROKERS: broker.broker,
      KAFKA_SASL_MECHANISM: mechanism,
      KAFKA_SASL_USERNAME: username,
      KAFKA_SASL_PASSWORD: password,
    });
    expect(await roundTrip(kafka)).toEqual(['one', 'two', 'three']);
  });

  it.each([
    ['PLAIN', 'alice', 'SASL PLAIN authentication failed'],
    ['SCRAM-SHA-256', 'carol', 'SASL SCRAM SHA256 authentication failed'],
  ])('%s with a wrong password fails authentication', async (mechanism, username, reason) => {
    const err = await connectError(
      kafkaFor({
        KAFKA_BROKERS: broker.broker,
        KAFKA_SASL_MECHANISM: mechanism,
        KAFKA_SASL_USERNAME: username,
        KAFKA_SASL_PASSWORD: 'wrong',
      }),
    );
    expect(err.name).toBe('KafkaJSSASLAuthenticationError');
    expect(err.message).toContain(reason);
    expect(err.message).not.toContain('wrong');
  });
});

describe('Kafka over TLS', () => {
  let certs: Certificates;
  let broker: OwnKafka;
  beforeAll(async () => {
    certs = await makeCertificates();
    // SASL_SSL with a client certificate required: TLS and SCRAM together, as production runs it.
    broker = await ownKafka({
      protocol: 'SASL_SSL',
      properties: {
        'listener.name.client.ssl.keystore.type': 'PEM',
        'listener.name.client.ssl.keystore.location': certs.serverKeyAndCert,
        'listener.name.client.ssl.truststore.type': 'PEM',
        'listener.name.client.ssl.truststore.location': certs.caCert,
        'listener.name.client.ssl.client.auth': 'required',
        'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
        'listener.name.client.scram-sha-512.sasl.jaas.config':
          'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      },
      formatArgs: ['--add-scram', 'SCRAM-SHA-512=[name=erin,password=erin-secret]'],
    });
    await broker.start();
  });
  afterAll(async () => {
    await broker.destroy();
    await certs.destroy();
  });

  const settings = () => ({
    KAFKA_BROKERS: broker.broker,
    KAFKA_TLS: '1',
    KAFKA_TLS_CA_FILE: certs.caCert,
    KAFKA_TLS_CERT_FILE: certs.clientCert,
    KAFKA_TLS_KEY_FILE: certs.clientKey,
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: 'erin',
    KAFKA_SASL_PASSWORD: 'erin-secret',
  });

  it('produces and consumes with the CA, a client certificate and SCRAM', async () => {
    expect(await roundTrip(kafkaFor(settings()))).toEqual(['one', 'two', 'three']);
  });

  it('refuses a broker certificate the configured CA did not sign', async () => {
    const err = await connectError(kafkaFor({ ...settings(), KAFKA_TLS_CA_FILE: certs.otherCaCert }));
    expect(err.message).toMatch(/unable to verify the first certificate|self-signed certificate/);
  });

  it('the broker refuses a client without a certificate', async () => {
    const { KAFKA_TLS_CERT_FILE: _c, KAFKA_TLS_KEY_FILE: _k, ...env } = settings();
    const err = await connectError(kafkaFor(env));
    // The broker's alert, or only the reset when the client is still writing as it arrives.
    expect(err.message).toMatch(/alert bad certificate|alert certificate required|ECONNRESET|Closed connection/);
  });

  it('a plain client gets no answer from the TLS listener', async () => {
    const {
      KAFKA_TLS: _t,
      KAFKA_TLS_CA_FILE: _a,
      KAFKA_TLS_CERT_FILE: _c,
      KAFKA_TLS_KEY_FILE: _k,
      ...env
    } = settings();
    const err = await connectError(kafkaFor(env));
    expect(err.message).toMatch(/Closed connection|ECONNRESET/);
  });
});
