/** Shell-style glob (`*`, `?`) matched against the whole name. */
export function globToRegExp(glob: string): RegExp {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

/** A name filter from include and exclude globs: a name passes when it matches an include and no exclude. */
export function createJobFilter(filter: { include: string[]; exclude: string[] }): (name: string) => boolean {
  const include = filter.include.map(globToRegExp);
  const exclude = filter.exclude.map(globToRegExp);
  return (name) => include.some((r) => r.test(name)) && !exclude.some((r) => r.test(name));
}
