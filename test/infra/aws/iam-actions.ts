/** An IAM action spelled out: `service:Action`, letters and digits only (no wildcard). */
export const EXPLICIT_ACTION = /^[a-z0-9-]+:[A-Za-z0-9]+$/;

/** The one expression allowed in place of a list: a dynamic statement's actions, themselves checked where they are written. */
const DYNAMIC_ACTIONS = '${statement.value.actions}';

const ACTION_KEYS = new Set(['actions', 'not_actions', 'Action', 'NotAction']);

/** `actions = [ "…", … ]` (or `Action = …`) written inside an expression that the HCL parser keeps as a string. */
const ACTIONS_IN_EXPRESSION = /\b(?:not_actions|actions|NotAction|Action)\s*=\s*(\[[^\]]*\]|"[^"]*"|[\w.[\]]+)/g;

/**
 * Every IAM action list in a parsed document (Terraform's `actions`/`not_actions`, policy JSON's
 * `Action`/`NotAction`, at any depth, also inside expressions the parser keeps as strings), with
 * the problems found: an action that is not spelled out (a `*` anywhere, a reference), each naming where.
 */
export function iamActionProblems(node: unknown, where: string): { actions: string[]; problems: string[] } {
  const actions: string[] = [];
  const problems: string[] = [];
  const visit = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, `${path}[${i}]`));
      return;
    }
    if (typeof value === 'string') {
      for (const [, written = ''] of value.matchAll(ACTIONS_IN_EXPRESSION)) {
        const quoted = [...written.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? '');
        if (quoted.length === 0 && written !== '[]') problems.push(`${path}: actions ${written} are not written out`);
        for (const action of quoted) {
          if (EXPLICIT_ACTION.test(action)) actions.push(action);
          else problems.push(`${path}: ${JSON.stringify(action)} is not an explicit action`);
        }
      }
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      if (ACTION_KEYS.has(key)) {
        if (child === DYNAMIC_ACTIONS) continue;
        const list = typeof child === 'string' ? [child] : child;
        if (!Array.isArray(list)) {
          problems.push(`${path}.${key}: not a list of actions`);
          continue;
        }
        for (const action of list) {
          if (typeof action === 'string' && EXPLICIT_ACTION.test(action)) actions.push(action);
          else problems.push(`${path}.${key}: ${JSON.stringify(action)} is not an explicit action`);
        }
      }
      visit(child, `${path}.${key}`);
    }
  };
  visit(node, where);
  return { actions, problems };
}
