/**
 * The AWS services that support PrivateLink interface endpoints, and the AWS Regions, as data:
 * what `validate` and `serve` compare service names against to catch typos
 * (`com.amazonaws.eu-west-1.sqss` → "did you mean com.amazonaws.eu-west-1.sqs?").
 *
 * A service or Region missing from these lists is a warning, never an error: AWS adds services
 * every month, and a config naming one that is newer than the list must still load.
 *
 * Freshness: the lists follow the pages named in {@link SERVICE_LIST_SOURCE} and
 * {@link REGION_LIST_SOURCE} as of {@link SERVICE_LIST_DATE}. To refresh them, compare with those
 * pages, add what is new, and move the date (test/privatelink/service-list.test.ts checks that
 * every service named in the README, docs, examples and bundled configs is listed).
 */
import { REGIONLESS_SERVICES as KIND_REGIONLESS } from './service-kinds.js';

/** Where the service list comes from. */
export const SERVICE_LIST_SOURCE =
  'https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html';
/** Where the Region list comes from. */
export const REGION_LIST_SOURCE =
  'https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html';
/** The day the lists were last compared with their sources (YYYY-MM-DD). */
export const SERVICE_LIST_DATE = '2026-12-01';

/**
 * Services of the form `com.amazonaws.<region>.<name>`: the `<name>` part. Sorted; the names
 * are those of the service's endpoint service, which are not always the service's own name
 * (`monitoring` is CloudWatch, `execute-api` is API Gateway, `elasticfilesystem` is EFS).
 */
export const REGIONAL_SERVICES: readonly string[] = [
  'access-analyzer',
  'account',
  'acm-pca',
  'airflow.api',
  'airflow.env',
  'airflow.ops',
  'aoss',
  'app-integrations',
  'appconfig',
  'appconfigdata',
  'application-autoscaling',
  'applicationinsights',
  'appmesh',
  'appmesh-envoy-management',
  'apprunner',
  'apprunner.requests',
  'appstream.api',
  'appstream.streaming',
  'appsync-api',
  'aps',
  'aps-workspaces',
  'athena',
  'auditmanager',
  'autoscaling',
  'autoscaling-plans',
  'backup',
  'backup-gateway',
  'batch',
  'bedrock',
  'bedrock-agent',
  'bedrock-agent-runtime',
  'bedrock-runtime',
  'billing',
  'braket',
  'cassandra',
  'cassandra-fips',
  'cleanrooms',
  'cloudcontrolapi',
  'cloudcontrolapi-fips',
  'cloudformation',
  'cloudhsmv2',
  'cloudtrail',
  'codeartifact.api',
  'codeartifact.repositories',
  'codebuild',
  'codebuild-fips',
  'codecommit',
  'codecommit-fips',
  'codedeploy',
  'codedeploy-commands-secure',
  'codeguru-profiler',
  'codeguru-reviewer',
  'codepipeline',
  'codestar-connections.api',
  'codewhisperer',
  'cognito-identity',
  'cognito-idp',
  'comprehend',
  'comprehendmedical',
  'config',
  'connect-campaigns',
  'databrew',
  'dataexchange',
  'datasync',
  'datazone',
  'deadline.management',
  'deadline.scheduling',
  'detective',
  'devops-guru',
  'dms',
  'dms-fips',
  'drs',
  'ds',
  'ds-data',
  'dynamodb',
  'ebs',
  'ec2',
  'ec2messages',
  'ecr.api',
  'ecr.dkr',
  'ecs',
  'ecs-agent',
  'ecs-telemetry',
  'eks',
  'eks-auth',
  'elastic-inference.runtime',
  'elasticache',
  'elasticache-fips',
  'elasticbeanstalk',
  'elasticbeanstalk-health',
  'elasticfilesystem',
  'elasticfilesystem-fips',
  'elasticloadbalancing',
  'elasticmapreduce',
  'email-smtp',
  'emr-containers',
  'emr-serverless',
  'emr-serverless-services.livy',
  'entityresolution',
  'events',
  'evidently',
  'evidently-dataplane',
  'execute-api',
  'finspace',
  'finspace-api',
  'forecast',
  'forecast-fips',
  'forecastquery',
  'forecastquery-fips',
  'frauddetector',
  'fsx',
  'fsx-fips',
  'git-codecommit',
  'git-codecommit-fips',
  'glue',
  'grafana',
  'grafana-workspace',
  'greengrass',
  'groundstation',
  'guardduty-data',
  'guardduty-data-fips',
  'healthlake',
  'identitystore',
  'imagebuilder',
  'inspector2',
  'internetmonitor',
  'iot.credentials',
  'iot.data',
  'iot.fleethub.api',
  'iotfleetwise',
  'iotroborunner',
  'iotsitewise.api',
  'iotsitewise.data',
  'iottwinmaker.api',
  'iottwinmaker.data',
  'iotwireless.api',
  'kafka',
  'kafka-fips',
  'kendra',
  'kendra-ranking',
  'kinesis-firehose',
  'kinesis-streams',
  'kms',
  'kms-fips',
  'lakeformation',
  'lambda',
  'license-manager',
  'license-manager-fips',
  'license-manager-user-subscriptions',
  'logs',
  'lookoutequipment',
  'lookoutmetrics',
  'lookoutvision',
  'lorawan.cups',
  'lorawan.lns',
  'm2',
  'macie2',
  'managedblockchain-query',
  'mediaconnect',
  'memory-db',
  'memorydb-fips',
  'mgn',
  'migrationhub-orchestrator',
  'migrationhub-strategy',
  'monitoring',
  'mq',
  'network-firewall',
  'network-firewall-fips',
  'networkmonitor',
  'oam',
  'omics.analytics',
  'omics.control-storage',
  'omics.storage',
  'omics.tags',
  'omics.workflows',
  'panorama',
  'payment-cryptography.controlplane',
  'payment-cryptography.dataplane',
  'pca-connector-ad',
  'pca-connector-scep',
  'personalize',
  'personalize-events',
  'personalize-runtime',
  'pinpoint',
  'pinpoint-sms-voice-v2',
  'pipes',
  'pipes-data',
  'polly',
  'private-networks',
  'profile',
  'proton',
  'qldb.session',
  'quicksight-website',
  'ram',
  'rbin',
  'rds',
  'rds-data',
  'redshift',
  'redshift-data',
  'redshift-fips',
  'redshift-serverless',
  'refactor-spaces',
  'rekognition',
  'rekognition-fips',
  'resiliencehub',
  'resource-groups',
  'robomaker',
  'rolesanywhere',
  'rum',
  'rum-dataplane',
  's3',
  's3-outposts',
  's3express',
  'sagemaker.api',
  'sagemaker.featurestore-runtime',
  'sagemaker.metrics',
  'sagemaker.runtime',
  'sagemaker.runtime-fips',
  'scheduler',
  'schemas',
  'secretsmanager',
  'securityhub',
  'securitylake',
  'servicecatalog',
  'servicecatalog-appregistry',
  'servicediscovery',
  'servicediscovery-data',
  'servicequotas',
  'signin',
  'simspaceweaver',
  'sms',
  'sms-fips',
  'snow-device-management',
  'sns',
  'sqs',
  'ssm',
  'ssm-contacts',
  'ssm-incidents',
  'ssm-quicksetup',
  'ssmmessages',
  'states',
  'storagegateway',
  'sts',
  'sync-states',
  'synthetics',
  'tax',
  'textract',
  'textract-fips',
  'timestream-influxdb',
  'tnb',
  'transcribe',
  'transcribestreaming',
  'transfer',
  'transfer.server',
  'translate',
  'trustedadvisor',
  'verifiedpermissions',
  'vpc-lattice',
  'wellarchitected',
  'wisdom',
  'workspaces',
  'workspaces-web',
  'xray',
];

/**
 * Services whose endpoint service has no Region in its name (`com.amazonaws.iam`,
 * `com.amazonaws.route53`): created in one Region (us-east-1), used from any.
 */
export const REGIONLESS_SERVICES: readonly string[] = [...KIND_REGIONLESS.values()].map((s) => s.serviceId);

/** The AWS Regions (commercial, GovCloud and China), sorted. */
export const REGIONS: readonly string[] = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'cn-north-1',
  'cn-northwest-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-gov-east-1',
  'us-gov-west-1',
  'us-west-1',
  'us-west-2',
];

const REGIONAL = new Set(REGIONAL_SERVICES);
const REGIONLESS = new Set(REGIONLESS_SERVICES);
const REGION_SET = new Set(REGIONS);

/** A Region name as AWS writes them: `us-east-2`, `us-gov-west-1`, no leading zero in the number. */
export const REGION_SYNTAX = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[1-9]\d*$/;

/** An AZ id (`use2-az1`, `euw1-az2`, `usw2-lax1-az1`): the same zone in every account, unlike the AZ name. */
export const AZ_ID_SYNTAX = /^[a-z]{2,5}[1-9]\d*(-[a-z]{3}\d+)?-az\d+$/;

/** True when `region` is a Region of the list. */
export function isKnownRegion(region: string): boolean {
  return REGION_SET.has(region);
}

/** True when `name` is the `<name>` part of a listed regional service. */
export function isKnownService(name: string): boolean {
  return REGIONAL.has(name);
}

/** True when `service` is a listed region-less service name (`com.amazonaws.iam`). */
export function isRegionlessService(service: string): boolean {
  return service.startsWith('com.amazonaws.') && REGIONLESS.has(service.slice('com.amazonaws.'.length));
}

/**
 * Optimal string alignment distance (Levenshtein with adjacent swaps), stopping early once it
 * is over `max`.
 */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n];
}

/**
 * The closest candidates to a mistyped word: those within a distance of a third of its length
 * (at least 1, at most 3), the nearest first, at most `limit`. Empty when nothing is close.
 */
export function closest(word: string, candidates: Iterable<string>, limit = 3): string[] {
  const max = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  const scored: [string, number][] = [];
  for (const c of candidates) {
    const d = editDistance(word, c, max);
    if (d <= max) scored.push([c, d]);
  }
  scored.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]));
  return scored.slice(0, limit).map(([c]) => c);
}

/** " (did you mean a or b?)" for the suggestions, or "" when there are none. */
export function didYouMean(suggestions: readonly string[]): string {
  if (suggestions.length === 0) return '';
  const quoted =
    suggestions.length === 1
      ? suggestions[0]
      : `${suggestions.slice(0, -1).join(', ')} or ${suggestions.at(-1)}`;
  return `; did you mean ${quoted}?`;
}

/** What a service name is, as far as the lists know. */
export type ServiceCheck =
  | { kind: 'known' }
  /** An endpoint service of another account (com.amazonaws.vpce.…): not in any list. */
  | { kind: 'endpoint-service' }
  | { kind: 'unknown-service'; name: string; suggestions: string[] }
  | { kind: 'unknown-region'; region: string; suggestions: string[] }
  | { kind: 'malformed-region'; region: string; suggestions: string[] }
  /** Not of the form com.amazonaws.…: the rules report it. */
  | { kind: 'not-a-service' };

/** Compares a service name with the lists. */
export function checkServiceName(service: string): ServiceCheck {
  if (isRegionlessService(service)) return { kind: 'known' };
  const m = /^com\.amazonaws\.([a-z0-9-]+)\.([a-z0-9][a-z0-9.-]*)$/.exec(service);
  if (!m) return { kind: 'not-a-service' };
  const [, region, name] = m;
  if (region === 'vpce') return { kind: 'endpoint-service' };
  const regionCheck = checkRegion(region);
  if (regionCheck.kind !== 'known') return regionCheck;
  if (isKnownService(name)) return { kind: 'known' };
  return { kind: 'unknown-service', name, suggestions: closest(name, REGIONAL_SERVICES) };
}

/** Compares a Region name with the list and the syntax. */
export function checkRegion(
  region: string,
):
  | { kind: 'known' }
  | { kind: 'unknown-region' | 'malformed-region'; region: string; suggestions: string[] } {
  if (isKnownRegion(region)) return { kind: 'known' };
  const kind = REGION_SYNTAX.test(region) ? 'unknown-region' : 'malformed-region';
  // eu-west-01 → eu-west-1 first: the same name without the leading zero, when it is a Region.
  const unpadded = region.replace(/-0+(\d)/, '-$1');
  const suggestions = isKnownRegion(unpadded) ? [unpadded] : closest(region, REGIONS);
  return { kind, region, suggestions };
}

/** The sentence for a Region that is not one ("…; did you mean eu-west-1?"). */
export function regionMessage(c: {
  kind: 'unknown-region' | 'malformed-region';
  region: string;
  suggestions: string[];
}): string {
  return c.kind === 'malformed-region'
    ? `"${c.region}" is not a Region name (Regions look like us-east-2)${didYouMean(c.suggestions)}`
    : `"${c.region}" is not a Region this version knows (list of ${SERVICE_LIST_DATE})${didYouMean(c.suggestions)}`;
}

/**
 * For an AZ id written where an AZ name belongs (`euw1-az2`): the message that says so, else
 * undefined. AZ ids name the same zone in every account; AZ names (`eu-west-1a`) are mapped to
 * zones per account, and they are what subnets and the zonal DNS names use.
 */
export function azIdMessage(az: string, region: string): string | undefined {
  if (!AZ_ID_SYNTAX.test(az)) return undefined;
  return `"${az}" is an AZ id, not an AZ name: write the AZ name the subnet shows in your account (aws ec2 describe-availability-zones --zone-ids ${az} prints it), such as ${region}a`;
}

/** A sentence to put first when an AZ given by hand is an AZ id, else "". */
export function azIdNote(az: string): string {
  return AZ_ID_SYNTAX.test(az) ? `"${az}" is an AZ id, not an AZ name; ` : '';
}

/** A sentence to put first when the Region of a service name is not one, else "". */
export function regionNote(region: string): string {
  const c = checkRegion(region);
  if (c.kind !== 'malformed-region') return '';
  const hint = c.suggestions.length ? ` (did you mean ${c.suggestions.join(' or ')}?)` : '';
  return `"${region}" is not a Region name${hint}; `;
}

/** A problem that does not stop the config from loading. */
export interface ServiceWarning {
  code: 'config.unknown-service' | 'config.unknown-region';
  path: (string | number)[];
  message: string;
}

/**
 * Warnings for the services and Regions of a config that the lists do not know: typos get a
 * "did you mean", and a service newer than the list works all the same.
 */
export function serviceWarnings(config: unknown): ServiceWarning[] {
  const out: ServiceWarning[] = [];
  const vpcs = (config as { vpcs?: unknown } | null)?.vpcs;
  if (!Array.isArray(vpcs)) return out;
  vpcs.forEach((vpc: { region?: unknown; endpoints?: unknown } | null, v) => {
    if (typeof vpc !== 'object' || vpc === null || typeof vpc.region !== 'string') return;
    const region = checkRegion(vpc.region);
    if (region.kind === 'unknown-region')
      out.push({
        code: 'config.unknown-region',
        path: ['vpcs', v, 'region'],
        message: `${regionMessage(region)}${region.suggestions.length ? '' : '; a newer Region works all the same'}`,
      });
    const endpoints: unknown[] = Array.isArray(vpc.endpoints) ? vpc.endpoints : [];
    endpoints.forEach((ep, e) => {
      if (typeof ep !== 'object' || ep === null || typeof (ep as { service?: unknown }).service !== 'string')
        return;
      const service = (ep as { service: string }).service;
      const c = checkServiceName(service);
      const path = ['vpcs', v, 'endpoints', e, 'service'];
      if (c.kind === 'unknown-service') {
        const prefix = service.slice(0, service.length - c.name.length);
        out.push({
          code: 'config.unknown-service',
          path,
          message: `${service} is not in the list of services that support PrivateLink (as of ${SERVICE_LIST_DATE})${didYouMean(c.suggestions.map((s) => prefix + s))}${c.suggestions.length ? '' : '; a newer service works all the same'}`,
        });
      } else if (c.kind === 'unknown-region' && c.region !== vpc.region)
        out.push({ code: 'config.unknown-region', path, message: `${regionMessage(c)}` });
    });
  });
  return out;
}
