/** Console deep links from a configured template (issue 18 item 3), checked at load and filled per job. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../lib/config/load.js';
import { Driver, makeJob } from './factories.js';

const consoleLink = (events: ReturnType<Driver['poll']>) =>
  events.find((e) => e.data.type === 'job.failed')?.data.links.find((l) => l.title === 'console')?.url;

describe('console link templates', () => {
  it('fills the template from the job, URL-encoding every value, instead of the provider link', () => {
    const driver = new Driver({
      rules: {
        consoleUrlTemplate: 'https://console.example.com/{region}/{scopeId}/jobs/{vendorId}?name={name}',
      },
    });
    const events = driver.poll({
      at: 1,
      jobs: [
        makeJob({ name: 'orders etl/v2', vendorId: 'j#7', state: 'FAILED', consoleUrl: 'https://vendor/x' }),
      ],
    });
    expect(consoleLink(events)).toBe(
      'https://console.example.com/cn-north-4/0123456789abcdef0123456789abcdef/jobs/j%237?name=orders%20etl%2Fv2',
    );
  });

  it('keeps the provider link when no template is set, and per job glob a template overrides it', () => {
    const driver = new Driver({
      jobRules: [{ match: 'payments-*', rules: { consoleUrlTemplate: 'https://wiki.example.com/{name}' } }],
    });
    const failed = (name: string) =>
      makeJob({ name, vendorId: name, state: 'FAILED', consoleUrl: `https://vendor.example.com/${name}` });
    const events = driver.poll({ at: 1, jobs: [failed('orders-etl'), failed('payments-agg')] });
    const links = Object.fromEntries(
      events
        .filter((e) => e.data.type === 'job.failed')
        .map((e) => [e.data.resource.name, e.data.links.find((l) => l.title === 'console')?.url]),
    );
    expect(links).toEqual({
      'orders-etl': 'https://vendor.example.com/orders-etl',
      'payments-agg': 'https://wiki.example.com/payments-agg',
    });
  });

  it('refuses an unknown placeholder or a non-URL at load, naming the field and the placeholders', () => {
    const load = (consoleUrlTemplate: string) => () =>
      parseConfig({ defaults: { rules: { consoleUrlTemplate } }, targets: [] });
    expect(load('https://console.example.com/{jobId}')).toThrow(ConfigError);
    expect(load('https://console.example.com/{jobId}')).toThrow(
      /defaults\.rules\.consoleUrlTemplate.*unknown placeholder \{jobId\}; use \{provider\}.*\{vendorId\}/s,
    );
    expect(load('javascript:alert(1)')).toThrow(/consoleUrlTemplate.*http\(s\) URL template/s);
  });
});
