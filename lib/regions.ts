// The certification regions (cities of the South Sichuan Economic Zone and Chongqing). Each runs its
// own deployment of this app, with its own keys and data; `code` names the stack and the local ports.

export interface CertificationRegion {
  code: string;
  /** Short uppercase code used in certificate numbers. */
  numberPrefix: string;
  nameZh: string;
  nameEn: string;
  /** The host that serves /.well-known/did.json; the issuer DID is did:web:<domain>. */
  domain: string;
  /**
   * The IANA time zone of the region's calendar: the year in a certificate number, a validity end, the
   * days an agreement names and the times people are shown are read in it (docs/certification.md).
   */
  timeZone: string;
}

export const REGIONS: Record<string, CertificationRegion> = {
  neijiang: {
    code: 'neijiang',
    numberPrefix: 'NJ',
    nameZh: '内江',
    nameEn: 'Neijiang',
    domain: 'neijiang.skillcert.example',
    timeZone: 'Asia/Shanghai',
  },
  zigong: {
    code: 'zigong',
    numberPrefix: 'ZG',
    nameZh: '自贡',
    nameEn: 'Zigong',
    domain: 'zigong.skillcert.example',
    timeZone: 'Asia/Shanghai',
  },
  luzhou: {
    code: 'luzhou',
    numberPrefix: 'LZ',
    nameZh: '泸州',
    nameEn: 'Luzhou',
    domain: 'luzhou.skillcert.example',
    timeZone: 'Asia/Shanghai',
  },
  yibin: {
    code: 'yibin',
    numberPrefix: 'YB',
    nameZh: '宜宾',
    nameEn: 'Yibin',
    domain: 'yibin.skillcert.example',
    timeZone: 'Asia/Shanghai',
  },
  chongqing: {
    code: 'chongqing',
    numberPrefix: 'CQ',
    nameZh: '重庆',
    nameEn: 'Chongqing',
    domain: 'chongqing.skillcert.example',
    timeZone: 'Asia/Shanghai',
  },
};

export function regionByCode(code: string): CertificationRegion {
  const region = REGIONS[code];
  if (!region)
    throw new Error(`Unknown certification region '${code}' (known: ${Object.keys(REGIONS).join(', ')})`);
  return region;
}

/** What every function of a region is told about it: who it is and where its public site is. */
export function regionEnvironment(region: CertificationRegion): Record<string, string> {
  return {
    REGION_CODE: region.code,
    REGION_PREFIX: region.numberPrefix,
    REGION_NAME_ZH: region.nameZh,
    REGION_NAME_EN: region.nameEn,
    ISSUER_DID: `did:web:${region.domain}`,
    PUBLIC_URL: `https://${region.domain}`,
    REGION_TIME_ZONE: region.timeZone,
  };
}

/**
 * The local cloud's stable ports per region, so bookmarks and tokens keep working: base+0 HTTP API,
 * +1 OIDC issuer, +2 Step Functions, +3 DynamoDB, +4 EventBridge, +5 the web app. Here rather than under
 * local/ because the local demo's template names the web app's origin (CORS, sign-in callback URLs).
 */
export const LOCAL_PORT_BASE: Record<string, number> = {
  neijiang: 4100,
  zigong: 4200,
  luzhou: 4300,
  yibin: 4400,
  chongqing: 4500,
};

/** The web app's port offset from a region's port base (Neijiang 4105). */
export const WEB_PORT_OFFSET = 5;
