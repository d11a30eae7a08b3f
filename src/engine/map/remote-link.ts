// The run side's connection to the workers' queue: a BullMQ Queue to add
// batch jobs to, QueueEvents to hear them finish, and a plain client.
import type { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { messageOf } from '../../util/errors.js';
import { requirePackage } from '../../util/require.js';
import { KEY_PREFIX } from './remote-protocol.js';
import type { WorkersAddress } from './remote-protocol.js';

export interface Link {
  queue: Queue;
  events: QueueEvents;
  /** Plain commands: the cancel marks and messages. */
  redis: Redis;
}

/** How long a run waits for Redis to answer at first; then the stage fails, saying where it looked. */
export const CONNECT_MS = 5000;
/**
 * Events the queue's stream keeps (BullMQ's default is 10,000): a completed
 * event carries the batch's results, so this bounds what Redis holds for
 * them; a run that falls further behind takes an answer from its job instead.
 */
const EVENTS_KEPT = 2000;

/** Opens the link; rejects when Redis cannot be reached within CONNECT_MS. Later errors go to `warn`, once. */
export async function openLink(address: WorkersAddress, warn: (message: string) => void): Promise<Link> {
  const { Queue, QueueEvents } = requirePackage('bullmq') as typeof import('bullmq');
  const { Redis } = requirePackage('ioredis') as typeof import('ioredis');
  const redis = new Redis(address.redisUrl, { lazyConnect: true, connectTimeout: CONNECT_MS, maxRetriesPerRequest: 3 });
  // Before it connects, an error is the reason it cannot; after, it is said once (BullMQ and ioredis retry).
  let isConnected = false;
  let hasWarned = false;
  let lastError: Error | undefined;
  const onError = (error: Error): void => {
    lastError = error;
    if (!isConnected || hasWarned) return;
    hasWarned = true;
    warn(`the workers' queue at ${address.shown}: ${messageOf(error)} (retrying)`);
  };
  redis.on('error', onError);
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_resolve, reject) => {
        setTimeout(() => reject(new Error(`no answer within ${CONNECT_MS / 1000} s`)), CONNECT_MS).unref();
      }),
    ]);
  } catch (error) {
    redis.disconnect();
    throw lastError ?? error;
  }
  isConnected = true;
  // Events from the server's now on: a job added after this cannot finish unseen.
  const [seconds, micros] = await redis.time();
  const lastEventId = `${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)}-0`;
  const queue = new Queue(address.queue, {
    connection: redis,
    prefix: KEY_PREFIX,
    streams: { events: { maxLen: EVENTS_KEPT } },
  });
  const events = new QueueEvents(address.queue, {
    connection: { url: address.redisUrl },
    prefix: KEY_PREFIX,
    lastEventId,
  });
  queue.on('error', onError);
  events.on('error', onError);
  await events.waitUntilReady();
  return { queue, events, redis };
}
