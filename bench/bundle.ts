// Benchmark: the Lambda packages. Synthesizes the stack into a temporary folder (the
// exact artifacts `cdk deploy` uploads: minified, AWS SDK bundled in), reports each function's
// bundle size, and its cold initialisation time measured here: a fresh Node process loads the
// bundle until the handler is ready to be called, median of repeated runs taken in alternation. A
// trivial module loaded the same way is the baseline, so the ratio shows what the bundle itself costs
// on this machine.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { positive } from './lib/env';
import { fmt, median, table } from './lib/stats';
import { functionEnvironment } from '../lambdas/function-environment';

const SIZE_TARGET = 800 * 1024;
const INIT_TARGET_MS = 150;
const RUNS = positive('BENCH_RUNS', 7);
const root = resolve(__dirname, '..');

/** What the stack passes; values only need to be well-formed for configuration to validate. */
const functionEnv: Record<string, string> = {
  ...functionEnvironment({
    tables: {
      subscriptions: 'subscriptions',
      events: 'events',
      deliveries: 'deliveries',
      attempts: 'attempts',
      fanouts: 'fanouts',
      limits: 'limits',
    },
    deliveriesQueue: {
      url: 'https://sqs.eu-central-1.amazonaws.com/123456789012/deliveries',
      arn: 'arn:aws:sqs:eu-central-1:123456789012:deliveries',
    },
    eventsDlqUrl: 'https://sqs.eu-central-1.amazonaws.com/123456789012/events-dlq',
    eventsQueueUrl: 'https://sqs.eu-central-1.amazonaws.com/123456789012/events',
    deliveriesDlqUrl: 'https://sqs.eu-central-1.amazonaws.com/123456789012/deliveries-dlq',
    scheduleGroup: 'crm-webhooks',
    schedulerRoleArn: 'arn:aws:iam::123456789012:role/scheduler',
    notifyTopicArn: 'arn:aws:sns:eu-central-1:123456789012:notifications',
  }),
  AWS_REGION: 'eu-central-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_SERVICE_NAME: 'crm-webhooks',
};

interface FunctionBundle {
  name: string;
  file: string;
  bytes: number;
}

function synthesize(outDir: string): FunctionBundle[] {
  execFileSync(join(root, 'node_modules/.bin/cdk'), ['synth', '--quiet', '-o', outDir], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const template = JSON.parse(readFileSync(join(outDir, 'CrmWebhooks.template.json'), 'utf8')) as {
    Resources: Record<
      string,
      { Type: string; Properties: { Code?: { S3Key?: unknown }; FunctionName?: unknown }; Metadata?: Record<string, string> }
    >;
  };
  const bundles: FunctionBundle[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const asset = resource.Metadata?.['aws:asset:path'];
    if (!asset) continue;
    const file = join(outDir, asset, 'index.js');
    const name = /Functions(\w+?)[0-9A-F]{8}$/.exec(logicalId)?.[1] ?? logicalId;
    bundles.push({ name, file, bytes: statSync(file).size });
  }
  return bundles.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Milliseconds from the start of `require` to the exported handler, in a fresh process. With
 * `sourceMaps`, as deployed: the stack sets NODE_OPTIONS=--enable-source-maps, so Node also reads
 * the bundle's source map at load.
 */
function initTime(file: string, sourceMaps: boolean): number {
  const script =
    `const t=process.hrtime.bigint();const m=require(${JSON.stringify(file)});` +
    "if(typeof m.handler!=='function')throw new Error('no handler');" +
    'process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));';
  const args = sourceMaps ? ['--enable-source-maps', '-e', script] : ['-e', script];
  const out = execFileSync(process.execPath, args, { env: { ...process.env, ...functionEnv }, encoding: 'utf8' });
  return Number(out);
}

function main(): void {
  const outDir = mkdtempSync(join(tmpdir(), 'crm-webhooks-bundle-'));
  try {
    const bundles = synthesize(outDir);
    const baselineFile = join(outDir, 'baseline.js');
    writeFileSync(baselineFile, 'exports.handler = async () => undefined;\n');
    const rows: Array<Array<string | number>> = [
      [
        'function',
        'bytes',
        'KB',
        'size / 800 KB',
        'init ms (median, as deployed)',
        'init / 150 ms',
        'init / baseline',
        'init ms without source maps',
      ],
    ];
    // Round by round (baseline, then each function once), so that load from elsewhere on a shared
    // machine falls on every function alike instead of on whichever was being measured.
    const files = [baselineFile, ...bundles.map((b) => b.file)];
    const samples = files.map((): number[] => []);
    const plain = files.map((): number[] => []);
    for (let run = 0; run < RUNS; run++) {
      files.forEach((file, i) => samples[i].push(initTime(file, true)));
      files.forEach((file, i) => plain[i].push(initTime(file, false)));
    }
    const [baselineMs, ...initMedians] = samples.map(median) as [number, ...number[]];
    const plainMedians = plain.slice(1).map(median);
    const results = bundles.map((b, i) => {
      const initMs = initMedians[i];
      rows.push([
        b.name,
        b.bytes,
        fmt(b.bytes / 1024),
        fmt(b.bytes / SIZE_TARGET, 2),
        fmt(initMs, 1),
        fmt(initMs / INIT_TARGET_MS, 2),
        fmt(initMs / Math.max(baselineMs, 0.01), 0),
        fmt(plainMedians[i], 1),
      ]);
      return { name: b.name, bytes: b.bytes, initMs, initMsWithoutSourceMaps: plainMedians[i] };
    });
    console.log(
      `Lambda bundles (cdk synth, minified, AWS SDK bundled), cold init median of ${RUNS} fresh processes, Node ${process.version}`,
    );
    console.log(table(rows));
    console.log(`baseline (a one-line module loaded the same way): ${fmt(baselineMs, 2)} ms`);
    const over = results.filter((r) => r.bytes > SIZE_TARGET || r.initMs > INIT_TARGET_MS);
    console.log(over.length === 0 ? 'every function within both targets' : `over a target: ${over.map((r) => r.name).join(', ')}`);
    mkdirSync(join(root, 'bench/out'), { recursive: true });
    const outFile = join(root, 'bench/out/bundle.json');
    writeFileSync(outFile, JSON.stringify({ node: process.version, runs: RUNS, baselineMs, results }, null, 2));
    console.log(`written ${outFile}`);
    // The synthesized folder is large; nothing else reads it.
    for (const entry of readdirSync(outDir)) rmSync(join(outDir, entry), { recursive: true, force: true });
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

main();
