/** `targets[0].options.projects` for a zod issue path (or any property path); `(root)` when empty. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/** The first `max` issues as `path: message`, joined by '; ': the message of a rejected input. */
export function issueSummary(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  max = issues.length,
): string {
  return issues
    .slice(0, max)
    .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
    .join('; ');
}
