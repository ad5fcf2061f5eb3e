/**
 * Hosted zone ids of `<region>.vpce.amazonaws.com`, as `describe-vpc-endpoints` prints them in
 * DnsEntries (source: the canonicalHostedZones map of kubernetes-sigs/external-dns).
 */
export const VPCE_HOSTED_ZONE_IDS: Readonly<Record<string, string>> = {
  'us-east-1': 'Z7HUB22UULQXV',
  'us-east-2': 'ZC8PG0KIFKBRI',
  'us-west-1': 'Z12I86A8N7VCZO',
  'us-west-2': 'Z1YSA3EXCYUU9Z',
  'ca-central-1': 'ZRCXCF510Y6P9',
  'sa-east-1': 'Z2LXUWEVLCVZIB',
  'af-south-1': 'Z09302161J80N9A7UTP7U',
  'ap-east-1': 'Z2LIHJ7PKBEMWN',
  'ap-northeast-1': 'Z2E726K9Y6RL4W',
  'ap-northeast-2': 'Z27UANNT0PRK1T',
  'ap-northeast-3': 'Z376B5OMM2JZL2',
  'ap-south-1': 'Z2KVTB3ZLFM7JR',
  'ap-south-2': 'Z0952991RWSF5AHIQDIY',
  'ap-southeast-1': 'Z18LLCSTV4NVNL',
  'ap-southeast-2': 'ZDK2GCRPAFKGO',
  'ap-southeast-3': 'Z03881013RZ9BYYZO8N5W',
  'ap-southeast-4': 'Z07508191CO1RNBX3X3AU',
  'eu-west-1': 'Z38GZ743OKFT7T',
  'eu-west-2': 'Z7K1066E3PUKB',
  'eu-west-3': 'Z1DWHTMFP0WECP',
  'eu-central-1': 'Z273ZU8SZ5RJPC',
  'eu-central-2': 'Z045369019J4FUQ4S272E',
  'eu-north-1': 'Z3OWWK6JFDEDGC',
  'eu-south-1': 'Z2A5FDNRLY7KZG',
  'eu-south-2': 'Z014396544HENR57XQCJ',
  'me-south-1': 'Z3B95P3VBGEQGY',
  'me-central-1': 'Z07122992YCEUCB9A9570',
  'us-gov-east-1': 'Z2MU5TEIGO9WXB',
  'us-gov-west-1': 'Z12529ZODG2B6H',
};

/** Marks an id we had to make up because the region is missing from the table and the config. */
export const PLACEHOLDER_ZONE_PREFIX = 'ZPLACEHOLDER';

/** The vpce hosted zone id of a region: the config's `hostedZoneIds` first, then the table. */
export function vpceHostedZoneId(region: string, overrides: Readonly<Record<string, string>> = {}): string {
  return (
    overrides[region] ?? VPCE_HOSTED_ZONE_IDS[region] ?? `${PLACEHOLDER_ZONE_PREFIX}-${region.toUpperCase()}`
  );
}
