/**
 * Remediation action params are validated at load, per provider and action, with the schema the provider's
 * action itself uses (as Cloud Custodian validates each action's schema): a wrong param is a config error
 * naming the field and the params allowed, not a rejection at 3 a.m. when the action runs. Provider names
 * outside `targets:` are checked against the provider registry too.
 */
import { describe, expect, it } from 'vitest';
import { configProblems, targetInput } from '../support/config.js';

const PROJECT_ID = '0123456789abcdef0123456789abcdef';
const DLI = targetInput('dli', 'huawei-dli', 'cn-north-4', { projectId: PROJECT_ID });
const MRS = targetInput('mrs', 'huawei-mrs', 'cn-north-4', { projectId: PROJECT_ID });
const BLINK = targetInput('blink', 'alibaba-blink', 'cn-shanghai', { projects: ['p'] });

function policy(action: unknown, match: Record<string, unknown> = {}) {
  return { name: 'p', match: { types: ['job.failed'], ...match }, action };
}

const problems = (input: unknown) => configProblems(input);

describe('remediation action params are validated at load', () => {
  it('{savepoint: true} on a DLI restart is an error naming the field and the params DLI takes', () => {
    const found = problems({
      targets: [DLI],
      remediation: { policies: [policy({ type: 'restart', params: { savepoint: true } })] },
    });
    expect(found).toEqual([
      "remediation.policies[0].action.params.savepoint: 'savepoint' is not a param of huawei-dli restart, which accepts withSavepoint, fromSavepoint",
    ]);
  });

  it("the provider's own params pass, and a wrong value names its path", () => {
    expect(
      problems({
        targets: [DLI],
        remediation: { policies: [policy({ type: 'restart', params: { fromSavepoint: true } })] },
      }),
    ).toEqual([]);
    const [wrongType] = problems({
      targets: [DLI],
      remediation: { policies: [policy({ type: 'stop', params: { withSavepoint: 'yes' } })] },
    });
    expect(wrongType).toMatch(
      /^remediation\.policies\[0\]\.action\.params\.withSavepoint: .*huawei-dli stop/,
    );
  });

  it('a policy is checked against every provider it can act through, and names them', () => {
    // No provider named: both targets' providers restart, and Blink takes no fromSavepoint.
    const found = problems({
      targets: [DLI, BLINK],
      remediation: { policies: [policy({ type: 'restart', params: { fromSavepoint: true } })] },
    });
    expect(found).toEqual([
      "remediation.policies[0].action.params.fromSavepoint: 'fromSavepoint' is not a param of alibaba-blink restart, which accepts triggerCheckpoint, isFlush (limit the policy with match.providers)",
    ]);
    // Limited to DLI, the same policy is valid.
    expect(
      problems({
        targets: [DLI, BLINK],
        remediation: {
          policies: [
            policy({ type: 'restart', params: { fromSavepoint: true } }, { providers: ['huawei-dli'] }),
          ],
        },
      }),
    ).toEqual([]);
  });

  it('an action without params takes none, and an action none of the named providers performs is an error', () => {
    expect(
      problems({
        targets: [MRS],
        remediation: { policies: [policy({ type: 'kill', params: { force: true } })] },
      }),
    ).toEqual([
      "remediation.policies[0].action.params.force: 'force' is not a param of huawei-mrs kill, which takes no params",
    ]);
    expect(
      problems({
        targets: [MRS],
        remediation: { policies: [policy('restart', { providers: ['huawei-mrs'] })] },
      }),
    ).toEqual([
      'remediation.policies[0].action.type: no provider this policy matches (huawei-mrs) performs restart',
    ]);
  });

  it('with no targets, params are checked against every provider that performs the action', () => {
    const found = problems({
      remediation: { policies: [policy({ type: 'cancel', params: { force: true } })] },
    });
    expect(found).toEqual([
      "remediation.policies[0].action.params.force: 'force' is not a param of huawei-dli cancel, which takes no params",
    ]);
  });
});

describe('provider names outside targets are checked against the registry', () => {
  it('routes, policies and webhook blocks name a registered provider, with the closest one suggested', () => {
    const found = problems({
      channels: [{ name: 'oncall', type: 'slack', url: 'env:SLACK_URL' }],
      route: { receiver: 'oncall', routes: [{ receiver: 'oncall', providers: ['huawei-dl'] }] },
      remediation: { policies: [policy('stop', { providers: ['alibaba-blnk'] })] },
      webhook: { alibabaArms: { tokens: ['env:T'], provider: 'aws' } },
    });
    expect(found).toEqual([
      expect.stringMatching(
        /^route\.routes\[0\]\.providers\[0\]: .*found 'huawei-dl' \(did you mean 'huawei-dli'\?\)$/,
      ),
      expect.stringMatching(
        /^remediation\.policies\[0\]\.match\.providers\[0\]: .*found 'alibaba-blnk' \(did you mean 'alibaba-blink'\?\)$/,
      ),
      // Values under `webhook` are never echoed (secret-looking paths), but the valid ones are listed.
      expect.stringMatching(/^webhook\.alibabaArms\.provider: .*"alibaba-blink"\|"alibaba-flink"/),
    ]);
  });
});
