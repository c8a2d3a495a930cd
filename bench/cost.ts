/**
 * Monthly bill of the default fleet polled every minute in one region, from the figures the bench measured
 * (poll duration per target, store reads and writes per poll, events per poll, log bytes per poll). Unit
 * prices are AWS list prices for us-east-1 (checked 2025; on-demand DynamoDB after the November 2024 cut)
 * and are printed beside the estimate; other regions cost up to ~1.5x.
 */
export const UNIT_PRICES = {
  lambdaGbSecondArm: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  dynamoPerMillionWriteUnits: 0.625,
  dynamoPerMillionReadUnits: 0.125,
  eventBridgePerMillionEvents: 1.0,
  logsIngestPerGb: 0.5,
  logsStoragePerGbMonth: 0.03,
} as const;

/** What is not measured by the bench is assumed, and printed as such. */
export const ASSUMPTIONS = {
  pollsPerMonthPerTarget: 60 * 24 * 30,
  pollMemoryGb: 1, // serverless.yml poll memorySize 1024
  otherMemoryGb: 0.25, // notify, remediate, flush: 256 MB
  flushInvocationsPerMonth: 60 * 24 * 30,
  flushMs: 150,
  notifyOrRemediateMs: 150,
  platformLogBytesPerInvocation: 350, // START, END, REPORT lines
  logRetentionMonths: 1, // serverless.yml logRetentionInDays: 30
} as const;

export interface PollFigures {
  /** One entry per target: its poll's wall time (collect, state query, detect, publish, persist). */
  pollMs: number[];
  readUnitsPerPoll: number;
  writeUnitsPerPoll: number;
  eventsPerPoll: number;
  logBytesPerPoll: number;
}

export function monthlyCost(f: PollFigures) {
  const a = ASSUMPTIONS;
  const p = UNIT_PRICES;
  const polls = a.pollsPerMonthPerTarget;
  const pollGbS = f.pollMs.reduce((n, ms) => n + (ms / 1000) * a.pollMemoryGb, 0) * polls;
  const events = f.eventsPerPoll * polls;
  // Every event reaches notify; remediation rules take a share, counted as all of them (upper bound).
  const eventInvocations = events * 2;
  const otherGbS =
    ((a.flushInvocationsPerMonth * a.flushMs + eventInvocations * a.notifyOrRemediateMs) / 1000) *
    a.otherMemoryGb;
  const invocations = f.pollMs.length * polls + a.flushInvocationsPerMonth + eventInvocations;
  const lambda =
    (pollGbS + otherGbS) * p.lambdaGbSecondArm + (invocations / 1e6) * p.lambdaPerMillionRequests;
  const dynamo =
    ((f.writeUnitsPerPoll * polls) / 1e6) * p.dynamoPerMillionWriteUnits +
    ((f.readUnitsPerPoll * polls) / 1e6) * p.dynamoPerMillionReadUnits;
  const eventBridge = (events / 1e6) * p.eventBridgePerMillionEvents;
  const logGb = (f.logBytesPerPoll * polls + invocations * a.platformLogBytesPerInvocation) / 1024 ** 3;
  const logs = logGb * p.logsIngestPerGb + logGb * a.logRetentionMonths * p.logsStoragePerGbMonth;
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    total: round(lambda + dynamo + eventBridge + logs),
    lambda: round(lambda),
    dynamo: round(dynamo),
    eventBridge: round(eventBridge),
    logs: round(logs),
    pollGbSeconds: Math.round(pollGbS),
    invocations: Math.round(invocations),
  };
}
