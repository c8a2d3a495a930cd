import type { ProviderId } from '../model/snapshot.js';
import { alibabaBlinkProvider } from './alibaba-blink/index.js';
import { alibabaFlinkProvider } from './alibaba-flink/index.js';
import { huaweiDliProvider } from './huawei-dli/index.js';
import { huaweiMrsProvider } from './huawei-mrs/index.js';
import type { Provider } from './types.js';

/** Every provider jobwatch knows. Adding a provider is one folder and one line here. */
export const PROVIDERS_BY_ID: Record<ProviderId, Provider> = {
  'alibaba-blink': alibabaBlinkProvider,
  'alibaba-flink': alibabaFlinkProvider,
  'huawei-dli': huaweiDliProvider,
  'huawei-mrs': huaweiMrsProvider,
};

export const ALL_PROVIDERS: Provider[] = Object.values(PROVIDERS_BY_ID);
