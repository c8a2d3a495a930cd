import { MAX_SCRUB_INPUT_CHARS, scrubSecrets } from '../lib/text/scrub.js';

/** Inputs built to make a backtracking pattern blow up, each a repeated unit cut to the wanted size. */
const ADVERSARIAL: [string, string][] = [
  ['key characters', 'a'],
  ['keys without values', 'password='],
  ['unclosed quotes', 'password="'],
  ['escaped JSON keys', '{\\"token\\":\\"'],
  ['unclosed PEM blocks', '-----BEGIN PRIVATE KEY-----'],
  ['userinfo starts', '//a:b'],
  ['user flag runs', ' -u a -p'],
  ['nested pairs', 'exception: '],
];

/** A realistic vendor message: a Flink failure with a JDBC URL and a property dump. */
const TYPICAL =
  'java.sql.SQLException: Access denied for user etl (using password: YES) at jdbc:mysql://etl:pw@db:3306/orders; ' +
  'props: fs.obs.secret.key=abc fs.obs.endpoint=obs.cn-north-4.example.com parallelism=4 ' +
  'at org.apache.flink.runtime.taskmanager.Task.run(Task.java:567)';

function medianMs(fn: () => void, reps: number): number {
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/**
 * CPU cost of the secret scrubber: adversarial inputs at four sizes up to the input cap (time per KB stays
 * flat when every pattern is linear), and throughput on a typical vendor message.
 */
export function scrubBench(reps = 9) {
  const sizes = [4096, 8192, 16384, MAX_SCRUB_INPUT_CHARS];
  const rows = ADVERSARIAL.map(([name, unit]) => {
    const ms = sizes.map((size) => {
      const text = unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
      scrubSecrets(text);
      return medianMs(() => scrubSecrets(text), reps);
    });
    const perKb = ms.map((m, i) => m / ((sizes[i] as number) / 1024));
    return { name, ms, flatness: Math.max(...perKb) / Math.max(1e-6, Math.min(...perKb)) };
  });
  const messages = 20_000;
  const typicalMs = medianMs(() => {
    for (let i = 0; i < messages; i++) scrubSecrets(TYPICAL);
  }, 3);
  return { sizes, rows, typicalPerSecond: Math.round(messages / (typicalMs / 1000)) };
}
