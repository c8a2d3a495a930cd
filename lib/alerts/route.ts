/**
 * The routing tree: depth-first matching with `continue` (AM `dispatch/route.go` `Match`), and options
 * inherited from the parent, with the defaults in one object (DEFAULT_ROUTE_OPTIONS).
 */
import { createHash } from 'node:crypto';
import { globToRegExp } from '../text/glob.js';
import { type AlertingConfig, DEFAULT_ROUTE_OPTIONS, type RouteConfig } from './config.js';
import { type Matcher, matchesAll } from './matchers.js';

export interface RouteOptions {
  receiver: string;
  groupBy: readonly string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  stormCap: number;
  /** Escalation steps of critical alerts not acknowledged in time; see `escalate` in alerts/config.ts. */
  escalations: readonly { afterMs: number; receiver: string }[];
}

export interface CompiledRoute {
  /** Path in the tree: `root`, `root.0`, `root.0.2`; part of group keys. */
  id: string;
  matches: (labels: Record<string, string>) => boolean;
  continue: boolean;
  options: RouteOptions;
  routes: CompiledRoute[];
}

function compileMatch(route: RouteConfig): (labels: Record<string, string>) => boolean {
  const matchers = route.matchers as Matcher[];
  const anyOf = (values: readonly string[] | undefined, label: string) =>
    values === undefined
      ? undefined
      : (labels: Record<string, string>) => values.includes(labels[label] ?? '');
  const jobRes = route.jobs?.map(globToRegExp);
  const checks = [
    anyOf(route.providers, 'provider'),
    anyOf(route.types, 'alertname'),
    anyOf(route.severities, 'severity'),
    jobRes ? (labels: Record<string, string>) => anyMatches(jobRes, labels['resource'] ?? '') : undefined,
  ].filter((c): c is (labels: Record<string, string>) => boolean => c !== undefined);
  // Loops, not `every`/`some` with a callback: this runs for every route of every alert.
  return (labels) => {
    if (!matchesAll(matchers, labels)) return false;
    for (const check of checks) if (!check(labels)) return false;
    return true;
  };
}

function anyMatches(patterns: readonly RegExp[], value: string): boolean {
  for (const re of patterns) if (re.test(value)) return true;
  return false;
}

export function compileRoute(
  route: RouteConfig,
  parent: RouteOptions | undefined,
  id = 'root',
): CompiledRoute {
  const base = parent ?? {
    receiver: '',
    groupBy: DEFAULT_ROUTE_OPTIONS.groupBy,
    groupWaitMs: DEFAULT_ROUTE_OPTIONS.groupWaitSeconds * 1000,
    groupIntervalMs: DEFAULT_ROUTE_OPTIONS.groupIntervalSeconds * 1000,
    repeatIntervalMs: DEFAULT_ROUTE_OPTIONS.repeatIntervalSeconds * 1000,
    stormCap: DEFAULT_ROUTE_OPTIONS.stormCap,
    escalations: [],
  };
  const options: RouteOptions = {
    receiver: route.receiver ?? base.receiver,
    groupBy: route.groupBy ?? base.groupBy,
    groupWaitMs: route.groupWaitSeconds === undefined ? base.groupWaitMs : route.groupWaitSeconds * 1000,
    groupIntervalMs:
      route.groupIntervalSeconds === undefined ? base.groupIntervalMs : route.groupIntervalSeconds * 1000,
    repeatIntervalMs:
      route.repeatIntervalSeconds === undefined ? base.repeatIntervalMs : route.repeatIntervalSeconds * 1000,
    stormCap: route.stormCap ?? base.stormCap,
    escalations: route.escalate
      ? route.escalate.map((s) => ({ afterMs: s.afterMinutes * 60_000, receiver: s.receiver }))
      : base.escalations,
  };
  return {
    id,
    // The root matches everything, whatever it says (AM does the same).
    matches: parent ? compileMatch(route) : () => true,
    continue: route.continue,
    options,
    routes: route.routes.map((child, i) => compileRoute(child, options, `${id}.${i}`)),
  };
}

/**
 * The tree to use: the configured one, or (no `route:`) one that sends everything to every channel.
 */
export function routeTree(config: Pick<AlertingConfig, 'route' | 'channels'>): CompiledRoute {
  if (config.route) return compileRoute(config.route, undefined);
  const fallback: RouteConfig = {
    receiver: config.channels[0]?.name ?? '',
    matchers: [],
    continue: false,
    routes: config.channels.map((c) => ({ receiver: c.name, matchers: [], continue: true, routes: [] })),
  };
  return compileRoute(fallback, undefined);
}

/** Depth-first: the deepest matching routes, stopping at the first match unless it says `continue`. */
export function matchRoutes(route: CompiledRoute, labels: Record<string, string>): CompiledRoute[] {
  const found: CompiledRoute[] = [];
  if (route.matches(labels)) collectRoutes(route, labels, found);
  return found;
}

/**
 * Adds the deepest matching routes under `route`, which matches, to `found` (`route` itself when no child
 * matches). A matching child always adds at least one; one array for the whole walk, no spreads.
 */
function collectRoutes(route: CompiledRoute, labels: Record<string, string>, found: CompiledRoute[]): void {
  const start = found.length;
  for (const child of route.routes) {
    if (!child.matches(labels)) continue;
    collectRoutes(child, labels, found);
    if (!child.continue) break;
  }
  if (found.length === start) found.push(route);
}

/** The labels a group is keyed on; `...` means every label. */
export function groupLabelsFor(
  groupBy: readonly string[],
  labels: Record<string, string>,
): Record<string, string> {
  if (groupBy.includes('...'))
    return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => collator.compare(a, b)));
  const group: Record<string, string> = {};
  for (const name of groupBy) group[name] = labels[name] ?? '';
  return group;
}

export function groupKeyFor(routeId: string, groupLabels: Record<string, string>): string {
  // Alerts of one group come again and again: their key is found by walking the labels (name, then value,
  // in the order they come) through a tree of the keys made before, without writing the canonical text.
  let node = groupKeyTree;
  for (const name in groupLabels) {
    if (!Object.hasOwn(groupLabels, name)) continue;
    node = childOf(childOf(node, name), groupLabels[name] as string);
  }
  let key = node.keys?.get(routeId);
  if (key === undefined) {
    key = digestedGroupKey(routeId, groupLabels);
    node.keys ??= new Map();
    node.keys.set(routeId, key);
  }
  return key;
}

/** A step of the group key tree: label names and values alternate along a path. */
interface GroupKeyNode {
  children?: Map<string, GroupKeyNode>;
  /** Group key by route id, for the labels that end here. */
  keys?: Map<string, string>;
}

function childOf(node: GroupKeyNode, step: string): GroupKeyNode {
  let child = node.children?.get(step);
  if (child === undefined) {
    // Bounded like the digests: a tree that grew too large starts again (the keys are the same either way).
    if (++groupKeyNodes > MAX_GROUP_KEY_NODES) {
      groupKeyTree.children = undefined;
      groupKeyTree.keys = undefined;
      groupKeyNodes = 0;
    }
    child = {};
    node.children ??= new Map();
    node.children.set(step, child);
  }
  return child;
}

const MAX_GROUP_KEY_NODES = 200_000;
let groupKeyNodes = 0;
const groupKeyTree: GroupKeyNode = {};

function digestedGroupKey(routeId: string, groupLabels: Record<string, string>): string {
  const canonical = canonicalLabels(groupLabels);
  let digest = groupDigests.get(canonical);
  if (digest === undefined) {
    digest = createHash('sha256').update(canonical).digest('hex').slice(0, 16);
    // Groups recur alert after alert; a bounded memo saves the hash (the key is the same either way).
    if (groupDigests.size >= MAX_GROUP_DIGESTS) groupDigests.clear();
    groupDigests.set(canonical, digest);
  }
  return `${routeId}:${digest}`;
}

/**
 * `JSON.stringify` of the label entries sorted by name, written directly: no entries arrays per alert, and
 * no sort when the names already come in order (a route's `groupBy` usually does).
 */
function canonicalLabels(labels: Record<string, string>): string {
  const names = Object.keys(labels);
  for (let i = 1; i < names.length; i++) {
    if (collator.compare(names[i - 1] as string, names[i] as string) > 0) {
      names.sort(collator.compare);
      break;
    }
  }
  let text = '[';
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    text += `${i === 0 ? '' : ','}[${JSON.stringify(name)},${JSON.stringify(labels[name]) ?? 'null'}]`;
  }
  return `${text}]`;
}

/** `String#localeCompare` without arguments is this collator's compare, minus a collator per call. */
const collator = new Intl.Collator();
const MAX_GROUP_DIGESTS = 50_000;
const groupDigests = new Map<string, string>();
