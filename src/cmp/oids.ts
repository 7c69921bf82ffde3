/** Object identifiers of CMP and its protection (RFC 4210, RFC 9480, RFC 8018, RFC 3370). */
export const cmpOid = {
  /** PasswordBasedMac (RFC 4210 §5.1.3.1). */
  passwordBasedMac: '1.2.840.113533.7.66.13',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  /** hmac-sha1 as RFC 4210 and OpenSSL name it (IPsec's id-hmacWithSHA1). */
  hmacSha1Ipsec: '1.3.6.1.5.5.8.1.2',
  hmacWithSha1: '1.2.840.113549.2.7',
  hmacWithSha256: '1.2.840.113549.2.9',
  hmacWithSha384: '1.2.840.113549.2.10',
  hmacWithSha512: '1.2.840.113549.2.11',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  /** id-it-caCerts (RFC 9480 §4.3.1): the CA certificates a client may trust. */
  itCaCerts: '1.3.6.1.5.5.7.4.17',
} as const;

/** Hash names Node's crypto knows, by one-way-function OID. */
export const owfHashes: Readonly<Record<string, string>> = {
  [cmpOid.sha1]: 'sha1',
  [cmpOid.sha256]: 'sha256',
  [cmpOid.sha384]: 'sha384',
  [cmpOid.sha512]: 'sha512',
};

/** HMAC hash names by MAC algorithm OID. */
export const macHashes: Readonly<Record<string, string>> = {
  [cmpOid.hmacSha1Ipsec]: 'sha1',
  [cmpOid.hmacWithSha1]: 'sha1',
  [cmpOid.hmacWithSha256]: 'sha256',
  [cmpOid.hmacWithSha384]: 'sha384',
  [cmpOid.hmacWithSha512]: 'sha512',
};
