/** Huawei Cloud plumbing shared by the DLI and MRS providers: signing, endpoints, the API client. */
export type { RetryOptions } from '../../http/client.js';
export {
  classifyHuaweiResponse,
  closeHuaweiClients,
  getHuaweiClient,
  type HuaweiCallOptions,
  type HuaweiClient,
  type HuaweiClientOptions,
  type HuaweiMethod,
  huaweiEnvelopeFailure,
} from './client.js';
export { huaweiEndpointFor } from './endpoints.js';
export {
  canonicalQueryString,
  canonicalUri,
  formatSdkDate,
  HUAWEI_MAX_SKEW_MS,
  type HuaweiCredentials,
  type HuaweiSignableRequest,
  huaweiUriEncode,
  signHuaweiRequest,
  verifyHuaweiSignature,
} from './signer.js';
