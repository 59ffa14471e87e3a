// The five Lambda functions. Each is bundled by the local esbuild (no Docker) with the AWS SDK
// inside the bundle, so the SDK version the tests ran against is the one that runs in Lambda.
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export type FunctionId = 'ingest' | 'sender' | 'resend' | 'subscriptions' | 'sweeper';

interface FunctionSpec {
  timeout: Duration;
  memorySize: number;
  description: string;
}

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
  resend: {
    timeout: Duration.seconds(60),
    memorySize: 256,
    description: 'Support operation: resends chosen deliveries with a fresh attempt budget',
  },
  subscriptions: {
    timeout: Duration.seconds(15),
    memorySize: 256,
    description: 'Support operation: creates, lists, updates, disables and deletes subscriptions',
  },
  sweeper: {
    timeout: Duration.seconds(60),
    memorySize: 256,
    description: 'Re-enqueues pending deliveries whose next attempt is overdue',
  },
};

export const functionIds = Object.keys(functionSpecs) as FunctionId[];

const projectRoot = path.join(__dirname, '..');

export interface FunctionsProps {
  /** Every function gets the same environment: nothing in it is secret, and one map cannot drift. */
  environment: Record<string, string>;
}

export class Functions extends Construct {
  readonly byId: Record<FunctionId, nodejs.NodejsFunction>;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const byId: Partial<Record<FunctionId, nodejs.NodejsFunction>> = {};
    for (const functionId of functionIds) byId[functionId] = this.buildFunction(functionId, props.environment);
    this.byId = byId as Record<FunctionId, nodejs.NodejsFunction>;
  }

  private buildFunction(functionId: FunctionId, environment: Record<string, string>): nodejs.NodejsFunction {
    const spec = functionSpecs[functionId];
    const logGroup = new logs.LogGroup(this, `${functionId}-logs`, { retention: logs.RetentionDays.ONE_MONTH });
    return new nodejs.NodejsFunction(this, functionId, {
      entry: path.join(projectRoot, 'lambdas', 'entry', `${functionId}.ts`),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: spec.timeout,
      memorySize: spec.memorySize,
      description: spec.description,
      logGroup,
      environment,
      bundling: {
        forceDockerBundling: false,
        minify: true,
        sourceMap: true,
        target: 'node24',
        // Nothing external: the SDK clients are bundled at the version in package-lock.json.
        externalModules: [],
        // esbuild's per-file size report is noise in every synth; warnings and errors still show.
        logLevel: nodejs.LogLevel.WARNING,
      },
    });
  }
}
