// request.cf for requests from the front door. In production it describes
// the client's connection as Cloudflare's edge saw it; locally there is no
// edge, so, as wrangler dev does when it cannot fetch real values, every
// request gets the same fixed description (Austin, Texas; HTTP/1.1;
// TLS 1.3). No network lookup is made.

export function localRequestCf() {
  return {
    asOrganization: '',
    asn: 395747,
    colo: 'DFW',
    city: 'Austin',
    region: 'Texas',
    regionCode: 'TX',
    metroCode: '635',
    postalCode: '78701',
    country: 'US',
    continent: 'NA',
    timezone: 'America/Chicago',
    latitude: '30.27130',
    longitude: '-97.74260',
    clientTcpRtt: 0,
    httpProtocol: 'HTTP/1.1',
    requestPriority: 'weight=192;exclusive=0',
    tlsCipher: 'AEAD-AES128-GCM-SHA256',
    tlsVersion: 'TLSv1.3',
    tlsClientAuth: {
      certPresented: '0',
      certVerified: 'NONE',
      certRevoked: '0',
      certIssuerDN: '',
      certSubjectDN: '',
      certIssuerDNRFC2253: '',
      certSubjectDNRFC2253: '',
      certIssuerDNLegacy: '',
      certSubjectDNLegacy: '',
      certSerial: '',
      certIssuerSerial: '',
      certSKI: '',
      certIssuerSKI: '',
      certFingerprintSHA1: '',
      certFingerprintSHA256: '',
      certNotBefore: '',
      certNotAfter: '',
    },
    edgeRequestKeepAliveStatus: 0,
    hostMetadata: undefined,
    clientTrustScore: 99,
    botManagement: {
      corporateProxy: false,
      verifiedBot: false,
      ja3Hash: '25b4882c2bcb50cd6b469ff28c596742',
      staticResource: false,
      detectionIds: [],
      score: 99,
    },
  };
}
