// The whole service in one process: the unchanged entry points of lambdas/ (middy-wrapped handlers,
// invoked with a Lambda-like context), wired by the same builders as in Lambda, over dynalite,
// in-process queues and scheduler, behind one HTTP server with SQS- and Lambda-compatible
// endpoints. Tests start it in process (port 0, a temp data folder); `npm start` runs it from
// local/main.ts.
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EnvelopeSecretBox } from '../lambdas/adapters/crypto/envelope-secret-box';
import { LocalDataKeys, openKeyFile } from '../lambdas/adapters/crypto/local-data-keys';
import { parseEvent } from '../lambdas/domain/event-parsing';
import type { Log } from '../lambdas/domain/log';
import type { DeliveryRepository, WebhookClient } from '../lambdas/domain/ports';
import { createAwsClients, type AwsClients } from '../lambdas/wiring/aws-clients';
import {
  buildSendDeps,
  deadLettersFunction,
  deliveriesFunction,
  ingestFunction,
  resendFunction,
  senderFunction,
  subscriptionsFunction,
  sweeperFunction,
  type Env,
  type Infrastructure,
} from '../lambdas/wiring/deps';
import { createLogger, logOf } from '../lambdas/wiring/log';
import { MAX_RECEIVE_COUNT, SQS_BATCH_SIZE } from '../lib/queue-settings';
import { functionEnv, localCredentials, LOCAL_REGION, localLogLevel, queueArnOf, readLocalSettings, type LocalSettings } from './config';
import { lockDataDir, type DataLock } from './data-lock';
import { LocalDeadLetters } from './dead-letters';
import { endInterruptedAttempts } from './interrupted-attempts';
import { LocalNotifier } from './notifier';
import { LocalParkedQueue } from './parked-queue';
import { startDynamo, type LocalDynamo } from './dynamo';
import { startHttpServer, type HttpServer } from './http-server';
import { invoker } from './lambda-context';
import { createLambdaEndpoint } from './lambda-endpoint';
import { QueuePoller } from './poller';
import { LocalQueue, type QueueDepth } from './queue';
import { LocalScheduler } from './scheduler';
import { createSqsEndpoint } from './sqs-endpoint';
import { LocalWakeupQueue } from './wakeup-queue';

export interface RuntimeOptions {
  /** Configuration variables (local/config.ts); default process.env. */
  env?: Env;
  /** Where the handlers and the runtime log; default the Powertools logger, as in Lambda. */
  log?: Log;
}

/** The key file under DATA_DIR that wraps the data keys of the subscriptions' secrets (mode 0600). */
export const SECRETS_KEY_FILE = 'secrets.key';

export const QUEUE_NAMES = ['events', 'events-dlq', 'deliveries', 'deliveries-slow', 'deliveries-dlq'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** The functions the Lambda endpoint serves (support invokes them; the others have triggers). */
export const INVOKABLE_FUNCTIONS = ['subscriptions', 'resend', 'deliveries', 'dead-letters'] as const;

export interface Health {
  /** `warning` while a dead-letter queue holds messages: they wait for support (see `warnings`). */
  status: 'ok' | 'warning';
  queues: Record<QueueName, QueueDepth>;
  schedules: number;
  warnings?: string[];
}

export interface Runtime {
  /** `http://127.0.0.1:PORT`: every endpoint is under it. */
  url: string;
  port: number;
  settings: LocalSettings;
  /** The queues, for diagnostics and tests (e.g. what sits in a dead-letter queue). */
  queues: Record<QueueName, LocalQueue>;
  /** The stored deliveries and attempt logs, for diagnostics and tests (read them, do not write). */
  deliveries: DeliveryRepository;
  health(): Health;
  /**
   * Stops taking work, lets the batches in flight finish, closes the endpoints and flushes every
   * store. Whatever was accepted stays on disk and is resumed by the next start on the same folder.
   */
  stop(): Promise<void>;
}

/** What a (possibly partial) start has opened, so that stop and a failed start close the same way. */
interface Parts {
  lock?: DataLock;
  queues?: Record<QueueName, LocalQueue>;
  scheduler?: LocalScheduler;
  http?: HttpServer;
  dynamo?: LocalDynamo;
  clients?: AwsClients;
  webhook?: WebhookClient & { close?: () => Promise<void> };
  pollers?: QueuePoller[];
  sweeps?: PeriodicSweep;
}

/**
 * The endpoints stop accepting first, then work stops (sweeps, schedules, then pollers after their
 * batches in flight) while the stores are still there for it, and the stores close last. Whatever
 * was accepted is in a queue journal or a schedule file, and resumes at the next start.
 */
async function shutdown(parts: Parts): Promise<void> {
  await parts.http?.close();
  await parts.sweeps?.stop();
  parts.scheduler?.stop();
  await Promise.all((parts.pollers ?? []).map((poller) => poller.stop()));
  await parts.webhook?.close?.();
  if (parts.clients)
    for (const client of [parts.clients.dynamodb, parts.clients.sqs, parts.clients.scheduler, parts.clients.sns]) client.destroy();
  await parts.dynamo?.close();
  if (parts.queues) for (const name of QUEUE_NAMES) parts.queues[name].close();
  await parts.lock?.release();
}

export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const env = options.env ?? process.env;
  const settings = readLocalSettings(env);
  const log = options.log ?? logOf(createLogger(localLogLevel(env)));
  // The folder holds the subscriptions (and their key file): the user's alone, whatever the umask.
  mkdirSync(settings.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(settings.dataDir, 0o700);

  // Taken before anything opens a file in the folder, and outside the try: a refused lock is not ours to release.
  const parts: Parts = { lock: await lockDataDir(settings.dataDir) };
  try {
    const opened = await openParts(parts, settings, log);
    const { queues, scheduler, http } = opened;
    const notifier = new LocalNotifier(log);
    const wired = wireFunctions(functionEnv(settings, http.url), localInfrastructure(opened, settings, notifier, log), queues, options);
    parts.webhook = wired.sendDeps.webhook;
    const health = (): Health => healthOf(queues, scheduler.size);
    http.setRoutes({
      sqs: createSqsEndpoint({ queues: { events: queues.events, 'events-dlq': queues['events-dlq'] }, baseUrl: () => http.url }),
      lambda: createLambdaEndpoint(wired.support),
      publish: (body) => {
        const parsed = parseEvent(body, 'local', Number(settings.service.MAX_EVENT_BYTES));
        return parsed.ok ? { messageId: queues.events.send(body).id } : { refused: parsed.reason };
      },
      health,
      notifications: () => notifier.list(),
    });
    await startWork(parts, opened, wired, settings, log);

    let stopping: Promise<void> | undefined;
    return {
      url: http.url,
      port: http.port,
      settings,
      queues,
      deliveries: wired.sendDeps.deliveries,
      health,
      stop: () => (stopping ??= shutdown(parts)),
    };
  } catch (error) {
    await shutdown(parts).catch((cleanupError: unknown) =>
      log.error('cleanup after a failed start failed', { error: String(cleanupError) }),
    );
    throw error;
  }
}

type OpenedParts = Required<Pick<Parts, 'queues' | 'scheduler' | 'http' | 'dynamo' | 'clients'>>;

/** The stores, the scheduler, the HTTP server and the AWS clients, each recorded in `parts` as soon as it is open. */
async function openParts(parts: Parts, settings: LocalSettings, log: Log): Promise<OpenedParts> {
  const queues = (parts.queues = openQueues(settings, log));
  const scheduler = (parts.scheduler = new LocalScheduler({ dir: join(settings.dataDir, 'schedules'), target: queues.deliveries, log }));
  const http = (parts.http = await startHttpServer(settings.port, log));
  const dynamo = (parts.dynamo = await startDynamo(settings.dataDir));
  // The SQS client is what ingest's dead-letter adapter sends through; it points at this runtime's
  // own SQS endpoint, where the events DLQ is one of the queues served.
  const clients = (parts.clients = createAwsClients({
    region: LOCAL_REGION,
    endpoints: { dynamodb: dynamo.endpoint, sqs: http.url },
    credentials: localCredentials(),
  }));
  return { queues, scheduler, http, dynamo, clients };
}

/** What the functions run on locally: the in-process queues and scheduler in place of SQS and EventBridge Scheduler. */
function localInfrastructure(opened: OpenedParts, settings: LocalSettings, notifier: LocalNotifier, log: Log): Infrastructure {
  const { queues, scheduler, clients } = opened;
  const wakeups = new LocalWakeupQueue(queues.deliveries);
  return {
    clients,
    log,
    wakeups,
    queuedWakeups: wakeups,
    slowWakeups: new LocalWakeupQueue(queues['deliveries-slow']),
    scheduler,
    notifier,
    deadLetters: new LocalDeadLetters(queues['events-dlq']),
    // The subscriptions' secrets are sealed under a key file beside the data, as under KMS on AWS.
    secretBox: new EnvelopeSecretBox(new LocalDataKeys(openKeyFile(join(settings.dataDir, SECRETS_KEY_FILE)))),
    instanceId: `local-runtime:${settings.dataDir}`,
  };
}

type WiredFunctions = ReturnType<typeof wireFunctions>;

/** Every function's entry point, wired by the builders Lambda uses. */
function wireFunctions(env: Env, infra: Infrastructure, queues: Record<QueueName, LocalQueue>, options: RuntimeOptions) {
  // Each function gets its own logger, as each Lambda function has its own environment (its own
  // cold start); a log given by the caller (tests) is shared.
  const infraOf = (): Infrastructure => (options.log ? infra : { ...infra, ...functionLogger(options.env ?? process.env) });
  const ingest = invoker(ingestFunction(env, infraOf()), 'ingest');
  // The webhook client is the one deps.ts builds (its target guard configured as in AWS); it is
  // closed at stop so that no keep-alive socket outlives the runtime.
  const senderInfra = infraOf();
  const sendDeps = buildSendDeps(env, senderInfra);
  const sender = invoker(senderFunction(env, senderInfra, sendDeps), 'sender');
  // The slow lane's sender: the same handler on its own queue, as the stack's slow sender function.
  const slowSender = invoker(senderFunction(env, senderInfra, { ...sendDeps, lane: 'slow' }), 'slowSender');
  const sweepHandler = sweeperFunction(env, infraOf());
  const sweeper = (stop: AbortSignal) => invoker(sweepHandler, 'sweeper', undefined, stop)({});
  return { ingest, sender, slowSender, sweeper, support: supportFunctions(env, infraOf, queues), sendDeps };
}

/** Ends the attempts a crash interrupted, then starts the pollers, the scheduler and the periodic sweep. */
async function startWork(parts: Parts, opened: OpenedParts, wired: WiredFunctions, settings: LocalSettings, log: Log): Promise<void> {
  const { queues, scheduler } = opened;
  // Before the senders take the recovered wake-ups, of both lanes: their attempts' leases died with the old process.
  const interrupted = [...queues.deliveries.recovered.inFlight, ...queues['deliveries-slow'].recovered.inFlight];
  await endInterruptedAttempts(interrupted, wired.sendDeps.deliveries, log);
  const common = { batchSize: SQS_BATCH_SIZE, region: LOCAL_REGION, log };
  const senderPoller = (queue: 'deliveries' | 'deliveries-slow', handler: WiredFunctions['sender'], concurrency: number) =>
    new QueuePoller({ ...common, queue: queues[queue], handler, concurrency, queueArn: queueArnOf(queue), recordsAsSlotsFree: true });
  parts.pollers = [
    new QueuePoller({
      ...common,
      queue: queues.events,
      handler: wired.ingest,
      concurrency: settings.ingestConcurrency,
      queueArn: queueArnOf('events'),
    }),
    senderPoller('deliveries', wired.sender, settings.senderConcurrency),
    senderPoller('deliveries-slow', wired.slowSender, settings.slowSenderConcurrency),
  ];
  for (const poller of parts.pollers) poller.start();
  scheduler.start();
  parts.sweeps = new PeriodicSweep(wired.sweeper, settings.sweepIntervalMs, log);
  parts.sweeps.start();
}

/** The functions support invokes, wired as in Lambda; the dead letters are the in-process queues. */
function supportFunctions(env: Env, infraOf: () => Infrastructure, queues: Record<QueueName, LocalQueue>) {
  const parkedQueues = {
    events: new LocalParkedQueue(queues['events-dlq'], queues.events),
    deliveries: new LocalParkedQueue(queues['deliveries-dlq'], queues.deliveries),
  };
  return {
    subscriptions: invoker(subscriptionsFunction(env, infraOf()), 'subscriptions'),
    resend: invoker(resendFunction(env, infraOf()), 'resend'),
    deliveries: invoker(deliveriesFunction(env, infraOf()), 'deliveries'),
    'dead-letters': invoker(deadLettersFunction(env, { ...infraOf(), clients: {}, parkedQueues }), 'dead-letters'),
  } satisfies Record<(typeof INVOKABLE_FUNCTIONS)[number], (input: unknown) => Promise<unknown>>;
}

/** Queue depths, and a warning per non-empty dead-letter queue naming the command that shows it. */
function healthOf(queues: Record<QueueName, LocalQueue>, schedules: number): Health {
  const depths = Object.fromEntries(QUEUE_NAMES.map((name) => [name, queues[name].depth()])) as Record<QueueName, QueueDepth>;
  const warnings: string[] = [];
  for (const [dlq, source] of [
    ['events-dlq', 'events'],
    ['deliveries-dlq', 'deliveries'],
  ] as const) {
    const { visible, delayed, inFlight } = depths[dlq];
    const parked = visible + delayed + inFlight;
    if (parked > 0)
      warnings.push(
        `${parked} message${parked === 1 ? '' : 's'} in the ${source} dead-letter queue: crm-webhooks dead-letters list --queue ${source}`,
      );
  }
  return warnings.length > 0 ? { status: 'warning', queues: depths, schedules, warnings } : { status: 'ok', queues: depths, schedules };
}

function functionLogger(env: Env): Pick<Infrastructure, 'log' | 'logger'> {
  const logger = createLogger(localLogLevel(env));
  return { log: logOf(logger), logger };
}

function openQueues(settings: LocalSettings, log: Log): Record<QueueName, LocalQueue> {
  const dir = join(settings.dataDir, 'queues');
  const visibilityTimeoutMs = settings.visibilityTimeoutMs;
  const onDeadLetter = (message: { id: string; receiveCount: number }, queue: string) =>
    log.warn('message moved to the dead-letter queue', { queue, messageId: message.id, receiveCount: message.receiveCount });
  const eventsDlq = LocalQueue.open({ name: 'events-dlq', dir, visibilityTimeoutMs });
  const deliveriesDlq = LocalQueue.open({ name: 'deliveries-dlq', dir, visibilityTimeoutMs });
  const redrive = (deadLetterQueue: LocalQueue) => ({ deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT });
  const queues: Record<QueueName, LocalQueue> = {
    events: LocalQueue.open({ name: 'events', dir, visibilityTimeoutMs, redrive: redrive(eventsDlq), onDeadLetter }),
    'events-dlq': eventsDlq,
    deliveries: LocalQueue.open({ name: 'deliveries', dir, visibilityTimeoutMs, redrive: redrive(deliveriesDlq), onDeadLetter }),
    'deliveries-slow': LocalQueue.open({
      name: 'deliveries-slow',
      dir,
      visibilityTimeoutMs,
      redrive: redrive(deliveriesDlq),
      onDeadLetter,
    }),
    'deliveries-dlq': deliveriesDlq,
  };
  for (const name of QUEUE_NAMES) {
    const { messages, skippedRecords } = queues[name].recovered;
    if (messages > 0) log.info('queue recovered from its journal', { queue: name, messages });
    if (skippedRecords > 0) log.warn('unreadable journal records dropped', { queue: name, records: skippedRecords });
  }
  return queues;
}

/**
 * The sweeper at start and then every `intervalMs`, never two runs at once. A stop ends the run in
 * progress early (its invocation has no time left), as a first run after a restart may read an hour
 * of the fan-out log; what it did not reach, the next start's run does.
 */
class PeriodicSweep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(
    private readonly sweep: (stop: AbortSignal) => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly log: Log,
  ) {}

  /**
   * The first run starts now but is not waited for: after a restart with a long fan-out log to
   * catch up on, it may take minutes, and the endpoints and pollers must not wait for it.
   */
  start(): void {
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    await this.running;
  }

  private runOnce(): Promise<void> {
    this.running ??= this.sweep(this.stopping.signal)
      .then(() => undefined)
      .catch((error: unknown) => this.log.error('sweep failed; the next run tries again', { error: String(error) }))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}
