// The seven Lambda functions. Each is bundled by the local esbuild (no Docker) with the AWS SDK
// inside the bundle, so the SDK version the tests ran against is the one that runs in Lambda.
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export type FunctionId = 'ingest' | 'sender' | 'slowSender' | 'resend' | 'subscriptions' | 'sweeper' | 'deliveries' | 'dead-letters';

/**
 * A support function (resend, subscriptions, deliveries: invoked by hand) runs at most this many at
 * once: a script or CLI loop gone wrong gets throttled (the caller sees the error) instead of taking
 * the account's concurrency from ingest and the sender, or bursting writes into the tables and queue
 * they share with the pipeline. Reserved concurrency also sets it aside: 21 of the account's pool
 * in all, with the sweeper's 1.
 */
export const SUPPORT_CONCURRENCY = 5;

interface FunctionSpec {
  timeout: Duration;
  memorySize: number;
  description: string;
  /** Reserved concurrency: both a cap and a guarantee. Unset: the account's unreserved pool. */
  reservedConcurrency?: number;
  /** The entry (lambdas/entry/<entry>.ts) when it is another function's code; and what its environment adds. */
  entry?: FunctionId;
  environment?: Record<string, string>;
}

/** The slow lane's sender runs at most this many at once by default (`slowSenderConcurrency`). */
export const SLOW_SENDER_CONCURRENCY = 5;

export const functionSpecs: Record<FunctionId, FunctionSpec> = {
  ingest: {
    timeout: Duration.seconds(30),
    memorySize: 256,
    description: 'Accepts CRM events from the events queue and fans them out into deliveries',
  },
  sender: {
    timeout: Duration.seconds(60),
    // More memory buys proportionally more CPU and network for TLS handshakes and bodies.
    memorySize: 512,
    description: 'POSTs one delivery per message and records the attempt; schedules the retry on failure',
  },
  // The slow lane (lambdas/domain/lanes.ts): the sender's code on its own queue, with its own
  // reserved concurrency, for subscriptions whose circuit is open or that answered slowly, so that
  // they never occupy the senders of the main lane. Reserved: the slow lane always has its senders,
  // and never more.
  slowSender: {
    timeout: Duration.seconds(60),
    memorySize: 512,
    description: 'The slow lane: POSTs deliveries of subscriptions that are slow or whose circuit is open',
    reservedConcurrency: SLOW_SENDER_CONCURRENCY,
    entry: 'sender',
    environment: { SENDER_LANE: 'slow' },
  },
  resend: {
    timeout: Duration.seconds(60),
    memorySize: 256,
    description: 'Support operation: resends chosen deliveries with a fresh attempt budget',
    reservedConcurrency: SUPPORT_CONCURRENCY,
  },
  subscriptions: {
    timeout: Duration.seconds(15),
    memorySize: 256,
    description: 'Support operation: creates, lists, updates, disables and deletes subscriptions; sends test events',
    reservedConcurrency: SUPPORT_CONCURRENCY,
  },
  sweeper: {
    timeout: Duration.seconds(60),
    memorySize: 256,
    description: 'Re-enqueues pending deliveries whose next attempt is overdue',
    // One sweep at a time: two overlapping sweeps would read the same overdue deliveries and
    // enqueue each wake-up twice. An overlapping invocation is throttled and retried by Lambda.
    reservedConcurrency: 1,
  },
  deliveries: {
    timeout: Duration.seconds(30),
    memorySize: 256,
    description: 'Support operation: lists deliveries by subscription window or event, shows one with its attempts',
    reservedConcurrency: SUPPORT_CONCURRENCY,
  },
  'dead-letters': {
    timeout: Duration.seconds(60),
    memorySize: 256,
    description: 'Support operation: lists, shows, redrives and purges the events and deliveries dead-letter queues',
    reservedConcurrency: SUPPORT_CONCURRENCY,
  },
};

export const functionIds = Object.keys(functionSpecs) as FunctionId[];

const projectRoot = path.join(__dirname, '..');

/**
 * Files undici `require`s only on paths the sender never takes, left out of the bundle: 113 KB, which
 * bring the sender within its 800 KB. If one were taken after all, it fails with "Cannot find
 * module '<path>'" instead of working on without it. These are import paths as written in undici's client-h1.js / client-h2.js:
 * esbuild matches them before resolving (a resolved-path pattern would depend on where node_modules is).
 * - llhttp-wasm.js: the HTTP parser without WebAssembly SIMD, 70 KB of base64. undici compiles the SIMD
 *   build (llhttp_simd-wasm.js, kept) and falls back to this one only if that throws, or under Jest, or
 *   with UNDICI_NO_WASM_SIMD=1, or on ppc64. Node 24 on arm64 (Graviton) always has WASM SIMD.
 * - web/fetch/body.js: fetch's body extraction with its WebIDL, FormData and data: URL code, 43 KB,
 *   loaded only to send a FormData body. Webhook bodies are strings.
 */
export const UNDICI_FILES_NEVER_LOADED = ['../llhttp/llhttp-wasm.js', '../web/fetch/body.js'] as const;

/**
 * The SDK's nested clients (STS, SSO, SSO OIDC, sign-in) serve only credential sources a function
 * never uses: in Lambda the credentials come from the environment, the first source the default
 * chain tries. They are loaded on demand by those sources alone; left out, they cost 67 KB less in
 * each bundle. Should one ever be asked for, Lambda's Node.js runtime has the SDK to load it from.
 */
export const SDK_MODULES_NEVER_LOADED = ['@aws-sdk/nested-clients/*'] as const;

export interface FunctionsProps {
  /** Every function gets the same environment: nothing in it is secret, and one map cannot drift. */
  environment: Record<string, string>;
  /** Reserved concurrency set by configuration, over the specs' defaults. */
  reservedConcurrency?: Partial<Record<FunctionId, number>>;
}

export class Functions extends Construct {
  readonly byId: Record<FunctionId, nodejs.NodejsFunction>;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const byId: Partial<Record<FunctionId, nodejs.NodejsFunction>> = {};
    for (const functionId of functionIds)
      byId[functionId] = this.buildFunction(functionId, props.environment, props.reservedConcurrency?.[functionId]);
    this.byId = byId as Record<FunctionId, nodejs.NodejsFunction>;
  }

  private buildFunction(functionId: FunctionId, environment: Record<string, string>, reserved?: number): nodejs.NodejsFunction {
    const spec = functionSpecs[functionId];
    const logGroup = new logs.LogGroup(this, `${functionId}-logs`, { retention: logs.RetentionDays.ONE_MONTH });
    // A role of its own instead of AWSLambdaBasicExecutionRole, which may create and write every log
    // group in the account: this one writes its function's log group only (the stack creates it).
    const role = new iam.Role(this, `${functionId}-role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${functionId} function`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
    );
    return new nodejs.NodejsFunction(this, functionId, {
      entry: path.join(projectRoot, 'lambdas', 'entry', `${spec.entry ?? functionId}.ts`),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: spec.timeout,
      memorySize: spec.memorySize,
      description: spec.description,
      logGroup,
      role,
      reservedConcurrentExecutions: reserved ?? spec.reservedConcurrency,
      environment: { ...environment, ...spec.environment },
      bundling: {
        forceDockerBundling: false,
        minify: true,
        sourceMap: true,
        target: 'node24',
        // Nothing external but code Lambda never loads (below): the SDK clients are bundled at the
        // version in package-lock.json.
        externalModules: [...UNDICI_FILES_NEVER_LOADED, ...SDK_MODULES_NEVER_LOADED],
        // The ES module builds of the SDK and zod let esbuild drop what a function never uses
        // (zod's locales alone are 350 KB); CommonJS-only packages still resolve through `main`.
        mainFields: ['module', 'main'],
        // esbuild's per-file size report is noise in every synth; warnings and errors still show.
        logLevel: nodejs.LogLevel.WARNING,
      },
    });
  }
}
