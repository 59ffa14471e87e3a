// Shared by the stack tests: synthesizes the stack the way `cdk synth` does (same feature flags from
// cdk.json), and reads the template in terms of the stack's own parts instead of logical ids.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, type CfnElement, type Environment } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { WebhooksStack } from '../../lib/webhooks-stack';

const repoRoot = path.join(__dirname, '..', '..');

/** The JSON of a CloudFormation template or a part of it: shapes vary by resource type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- CloudFormation JSON is untyped, and the tests assert its shape themselves.
export type Json = any;

export interface Synthesized {
  app: App;
  stack: WebhooksStack;
  template: Template;
  resources: Record<string, Json>;
  logicalId(construct: IConstruct): string;
}

export interface BuildOptions {
  /**
   * Bundle the functions with esbuild, as `cdk synth` does (default). Tests that read no bundle turn
   * it off: the template is the same but for the code assets' hashes, and six bundles cost seconds.
   */
  bundle?: boolean;
  /** Bind the stack to an account and region, as the CLI does when it has credentials. */
  env?: Environment;
  /**
   * Run CDK's built-in CloudFormation validation at synthesis, as `cdk synth` does (default). Its
   * engine costs seconds of CPU per synthesis; tests that only read the template turn it off, and
   * nag.test.ts keeps it on: there the synthesis must pass as `cdk synth` runs it.
   */
  validate?: boolean;
}

/**
 * Builds the stack with cdk.json's context plus `context`; throws what the stack throws. The cloud
 * assembly (tens of MB of bundles) goes to a temporary folder: call removeAssembly when done.
 */
export function buildStack(context: Record<string, unknown> = {}, options: BuildOptions = {}): { app: App; stack: WebhooksStack } {
  const cdkJson = JSON.parse(readFileSync(path.join(repoRoot, 'cdk.json'), 'utf8')) as { context?: object };
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'crm-webhooks-cdk-'));
  // The CLI's own switch (`cdk synth --exclusively` uses it): no stack listed, no bundling.
  const bundling = options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {};
  try {
    // Asset metadata is on under the CLI too: it records where each function's bundle was staged.
    const app = new App({
      outdir,
      context: { ...cdkJson.context, 'aws:cdk:enable-asset-metadata': true, ...bundling, ...context },
      builtinCloudFormationValidation: options.validate ?? true,
    });
    return { app, stack: new WebhooksStack(app, 'CrmWebhooks', { env: options.env }) };
  } catch (error) {
    rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
}

export function removeAssembly(built: { app: App } | undefined): void {
  if (built) rmSync(built.app.outdir, { recursive: true, force: true });
}

export function synth(context: Record<string, unknown> = {}, options: BuildOptions = {}): Synthesized {
  const { app, stack } = buildStack(context, options);
  const template = Template.fromStack(stack);
  const logicalId = (construct: IConstruct) => {
    const element = (construct.node.defaultChild ?? construct) as CfnElement;
    return Stack.of(construct).getLogicalId(element);
  };
  return { app, stack, template, resources: template.toJSON().Resources as Record<string, Json>, logicalId };
}

/** The stack's functions, by their id in `stack.functions.byId`. */
export const functionIds = ['ingest', 'sender', 'slowSender', 'resend', 'subscriptions', 'sweeper', 'deliveries', 'dead-letters'] as const;

/** The folder where a bundled synth staged a function's code (index.js and its source map). */
export function bundleDir(s: Synthesized, id: (typeof functionIds)[number]): string {
  // The assertions template drops metadata; the synthesized file keeps where each asset was staged.
  const synthesized = JSON.parse(readFileSync(path.join(s.app.outdir, s.stack.templateFile), 'utf8'));
  const assetPath = synthesized.Resources[s.logicalId(s.stack.functions.byId[id])].Metadata['aws:asset:path'] as string;
  return path.join(s.app.outdir, assetPath);
}

/** Every resource of a type, by logical id. */
export function ofType(resources: Record<string, Json>, type: string): Record<string, Json> {
  return Object.fromEntries(Object.entries(resources).filter(([, r]) => r.Type === type));
}

/** Names the stack's tables, queues, scheduler parts and support topic, for readable IAM assertions. */
export function resourceNames(s: Synthesized): Map<string, string> {
  const names = new Map<string, string>();
  for (const [id, table] of Object.entries(s.stack.tables.byId)) names.set(s.logicalId(table), `table:${id}`);
  const { events, eventsDlq, deliveries, slowDeliveries, deliveriesDlq } = s.stack.queues;
  for (const [name, queue] of Object.entries({ events, eventsDlq, deliveries, slowDeliveries, deliveriesDlq })) {
    names.set(s.logicalId(queue), `queue:${name}`);
  }
  names.set(s.logicalId(s.stack.scheduler.role), 'role:scheduler');
  names.set(s.logicalId(s.stack.scheduler.group), 'scheduleGroup');
  names.set(s.logicalId(s.stack.notifications.topic), 'topic:notifications');
  names.set(s.logicalId(s.stack.notifications.key), 'key:notifications');
  names.set(s.logicalId(s.stack.secretsKey.key), 'key:secrets');
  for (const [id, fn] of Object.entries(s.stack.functions.byId)) {
    const logGroupId = s.resources[s.logicalId(fn)].Properties.LoggingConfig.LogGroup.Ref as string;
    names.set(logGroupId, `logGroup:${id}`);
  }
  return names;
}

/** Renders a Resource entry as text: `table:deliveries`, `table:deliveries/index/*`, `${AWS::Region}`... */
export function renderResource(value: Json, names: Map<string, string>): string {
  if (typeof value === 'string') return value;
  if (value.Ref !== undefined) return names.get(value.Ref) ?? '${' + value.Ref + '}';
  if (value['Fn::GetAtt'] !== undefined) {
    const [id, attribute] = value['Fn::GetAtt'] as [string, string];
    const name = names.get(id) ?? id;
    return attribute === 'Arn' ? name : `${name}.${attribute}`;
  }
  if (value['Fn::Join'] !== undefined) {
    const [separator, parts] = value['Fn::Join'] as [string, Json[]];
    return parts.map((part) => renderResource(part, names)).join(separator);
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/** Every statement of every policy attached to the role: managed by CDK as AWS::IAM::Policy or inline. */
export function statementsOfRole(resources: Record<string, Json>, roleId: string): Json[] {
  const attached = Object.values(ofType(resources, 'AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as Json[]).some((r) => r.Ref === roleId))
    .map((p) => p.Properties.PolicyDocument);
  const inline = ((resources[roleId]?.Properties.Policies ?? []) as Json[]).map((p) => p.PolicyDocument);
  return [...attached, ...inline].flatMap((document) => document.Statement as Json[]);
}

/** action -> sorted rendered resources, over every Allow statement given. */
export function permissionMap(statements: Json[], names: Map<string, string>): Record<string, string[]> {
  const map: Record<string, Set<string>> = {};
  for (const statement of statements) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of asArray(statement.Action) as string[]) {
      for (const resource of asArray(statement.Resource)) {
        (map[action] ??= new Set()).add(renderResource(resource, names));
      }
    }
  }
  return Object.fromEntries(
    Object.keys(map)
      .sort()
      .map((action) => [action, [...map[action]].sort()]),
  );
}

export function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/**
 * The dashboard's body as the JSON CloudWatch reads, with each reference in it written as text:
 * `{ Ref: X }` as `X`, `{ 'Fn::GetAtt': [X, 'Arn'] }` as `X.Arn`.
 */
export function dashboardBody(s: Synthesized): Json {
  const body = s.resources[s.logicalId(s.stack.dashboard.dashboard)].Properties.DashboardBody;
  const parts: Json[] = body['Fn::Join'] ? body['Fn::Join'][1] : [body];
  const text = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      if (part.Ref !== undefined) return part.Ref as string;
      if (part['Fn::GetAtt'] !== undefined) return (part['Fn::GetAtt'] as string[]).join('.');
      throw new Error(`unexpected part of the dashboard body: ${JSON.stringify(part)}`);
    })
    .join('');
  return JSON.parse(text);
}
