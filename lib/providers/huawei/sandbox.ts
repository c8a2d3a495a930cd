/**
 * What the two Huawei Cloud emulators (DLI, MRS) share: the API gateway's signature check against the
 * sandbox credentials, and the one target each offers. Emulator code: imported only by the providers'
 * sandbox.ts files.
 */
import type { SimClock } from '../../sandbox/clock.js';
import { SANDBOX_CREDENTIALS, type SandboxRequest, type SandboxResponse } from '../../sandbox/types.js';
import { HUAWEI_MAX_SKEW_MS, type HuaweiCredentials, verifyHuaweiSignature } from './signer.js';

const CREDENTIALS: HuaweiCredentials = {
  accessKeyId: SANDBOX_CREDENTIALS.accessKeyId,
  secretAccessKey: SANDBOX_CREDENTIALS.accessKeySecret,
};

/**
 * The gateway's check of a request's signature: undefined when it holds, else the emulator's refusal
 * (`refuse` with the reason). With `wallClockToo`, a date within the gateway's skew of the wall clock passes
 * as well as one within the skew of the simulated clock: jobwatch may run on either.
 */
export function huaweiSandboxAuthenticator(
  clock: SimClock,
  refuse: (reason: string) => SandboxResponse,
  options: { wallClockToo?: boolean } = {},
): (request: SandboxRequest) => SandboxResponse | undefined {
  return (request) => {
    let verdict = verifyHuaweiSignature(request, CREDENTIALS, clock.now());
    if (!verdict.ok && options.wallClockToo && verdict.reason.includes('skew')) {
      const wall = verifyHuaweiSignature(request, CREDENTIALS, Date.now(), HUAWEI_MAX_SKEW_MS);
      if (wall.ok) verdict = wall;
    }
    return verdict.ok ? undefined : refuse(verdict.reason);
  };
}

/** The one target a Huawei emulator offers: its provider's sandbox project, sandbox credentials. */
export function huaweiSandboxTarget(
  provider: 'huawei-dli' | 'huawei-mrs',
  region: string,
  endpoint: string,
  options: Record<string, unknown>,
): Record<string, unknown> {
  return {
    id: `${provider}-sandbox`,
    provider,
    region,
    endpoint,
    credentials: { accessKeyId: 'env:JOBWATCH_SANDBOX_AK', secretAccessKey: 'env:JOBWATCH_SANDBOX_SK' },
    labels: { env: 'sandbox' },
    options,
  };
}
