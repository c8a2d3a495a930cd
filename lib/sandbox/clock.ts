/**
 * Simulated time for the sandbox and for jobwatch when it runs against the sandbox. With speed 0 it only
 * moves when a test calls advance(); with speed N it runs N times faster than the wall clock (the demo).
 */
export interface SimClock {
  now(): number;
  advance(ms: number): void;
  set(ms: number): void;
}

export function createSimClock(
  options: { startMs?: number; speed?: number; wall?: () => number } = {},
): SimClock {
  const wall = options.wall ?? Date.now;
  const speed = options.speed ?? 0;
  const wallStart = wall();
  let offsetMs = options.startMs ?? wallStart;
  return {
    now: () => Math.floor(offsetMs + (wall() - wallStart) * speed),
    advance: (ms) => {
      offsetMs += ms;
    },
    set: (ms) => {
      offsetMs = ms - (wall() - wallStart) * speed;
    },
  };
}
