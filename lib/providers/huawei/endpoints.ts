/**
 * Huawei Cloud endpoints: `https://{service}.{region}.myhuaweicloud.com`, with the exceptions the official
 * SDKs' region tables list (digests: huawei-dli.md §1.1, huawei-mrs.md §1.1).
 */
const REGIONS = new Set([
  'cn-north-1',
  'cn-north-2',
  'cn-north-4',
  'cn-north-9',
  'cn-north-11',
  'cn-north-12',
  'cn-south-1',
  'cn-south-4',
  'cn-east-2',
  'cn-east-3',
  'cn-east-4',
  'cn-east-5',
  'cn-southwest-2',
  'cn-southwest-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'af-south-1',
  'af-north-1',
  'ru-northwest-2',
  'ru-moscow-1',
  'sa-brazil-1',
  'la-south-2',
  'la-north-2',
  'na-mexico-1',
  'tr-west-1',
  'eu-west-101',
  'eu-west-0',
  'me-east-1',
  'my-kualalumpur-1',
  'ae-ad-1',
]);

const TLD_EXCEPTIONS: Record<string, Record<string, string>> = {
  mrs: {
    'ap-southeast-1': 'myhuaweicloud.cn',
    'ru-northwest-2': 'myhuaweicloud.cn',
    'ap-southeast-4': 'myhuaweicloud.cn',
    'eu-west-101': 'myhuaweicloud.eu',
  },
  dli: { 'eu-west-101': 'myhuaweicloud.eu' },
  iam: { 'eu-west-101': 'myhuaweicloud.eu' },
};

export function huaweiEndpointFor(service: 'dli' | 'mrs' | 'iam', region: string): string | undefined {
  if (!REGIONS.has(region)) return undefined;
  const tld = TLD_EXCEPTIONS[service]?.[region] ?? 'myhuaweicloud.com';
  return `https://${service}.${region}.${tld}`;
}
