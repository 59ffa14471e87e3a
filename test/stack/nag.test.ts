// cdk-nag's AwsSolutions checks on the synthesized stack: no finding is left unaddressed, and the few
// kept on purpose are acknowledged (lib/nag-suppressions.ts) with a reason that says why.
//
// cdk-nag 3 is a CDK policy-validation plugin rather than an aspect: registered on the app, it runs
// at the end of synthesis and fails it on any finding, errors and warnings alike; its findings are
// read with validateScope, and acknowledgements are CDK's own (Validations.acknowledge), recorded as
// construct metadata.
import { Validations, type App, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStack, removeAssembly } from './synth';

let built: ReturnType<typeof buildStack>;
let synthError: unknown;
let report: PolicyValidationPluginReport;

beforeAll(() => {
  built = buildStack({}, { bundle: false });
  // As an app that registers the pack runs under `cdk synth`.
  Validations.of(built.app).addPlugins(new AwsSolutionsChecks(built.app));
  try {
    built.app.synth();
  } catch (error) {
    synthError = error;
  }
  report = new AwsSolutionsChecks().validateScope(built.stack);
}, 120_000);

afterAll(() => removeAssembly(built));

/** One line per finding, readable in a failed assertion. */
function findings(r: PolicyValidationPluginReport): string[] {
  return r.violations.flatMap((v) =>
    v.violatingResources.map(
      (resource) => `${v.severity ?? 'error'} ${v.ruleName} at ${resource.constructPath ?? resource.resourceLogicalId}: ${v.description}`,
    ),
  );
}

interface Acknowledgement {
  path: string;
  id: string;
  reason: string;
}

/** Every acknowledgement recorded anywhere in the app, where it was recorded. */
function acknowledgements(app: App): Acknowledgement[] {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          // CDK records a rule id without a known prefix as an annotation rule; cdk-nag strips it too.
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('AwsSolutions checks', () => {
  it('report no unacknowledged finding, error or warning', () => {
    expect(findings(report)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('let the synthesis pass with the pack registered on the app', () => {
    expect(synthError).toBeUndefined();
  });

  it('acknowledge exactly two findings per sender (both lanes), both wildcards: schedules in its group, data keys of the topic key', () => {
    expect(acknowledgements(built.app).map(({ path, id }) => ({ path, id }))).toEqual(
      ['sender', 'slowSender'].flatMap((fn) => [
        {
          path: `CrmWebhooks/Functions/${fn}-role`,
          id:
            'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:' +
            `schedule/${built.stack.scheduler.group.scheduleGroupName}/*]`,
        },
        { path: `CrmWebhooks/Functions/${fn}-role`, id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]' },
      ]),
    );
  });

  it('give every acknowledgement a reason of its own, not a placeholder', () => {
    const all = acknowledgements(built.app);
    expect(all.length).toBeGreaterThan(0);
    for (const { id, reason } of all) {
      expect(reason.trim().length, id).toBeGreaterThanOrEqual(20);
      expect(reason, id).not.toContain(id);
    }
  });

  it('still report nothing when the stack is bound to an account and region, as `cdk synth` with credentials does', () => {
    // The acknowledged finding names the ARN as nag renders it, which then holds the region and
    // account instead of pseudo parameters. The construct tree is enough for the checks: no synthesis.
    const bound = buildStack({}, { bundle: false, env: { account: '123456789012', region: 'eu-west-1' } });
    try {
      expect(findings(new AwsSolutionsChecks().validateScope(bound.stack))).toEqual([]);
      const perSender = [
        `AwsSolutions-IAM5[Resource::arn:aws:scheduler:eu-west-1:123456789012:schedule/${bound.stack.scheduler.group.scheduleGroupName}/*]`,
        'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      ];
      expect(acknowledgements(bound.app).map(({ id }) => id)).toEqual([...perSender, ...perSender]);
    } finally {
      removeAssembly(bound);
    }
  });
});
