/** Object identifiers the NPKI files use (DESIGN §4.2, §4.3; RFC 8018; KISA). */
export const oid = {
  /** KISA seedCBCWithSHA1: PBKDF1-SHA1, IV = SHA1(DK[16:20])[0:16], SEED-CBC (format A). */
  seedCbcWithSha1: '1.2.410.200004.1.15',
  /** KISA SEED-CBC: as an outer algorithm, the old fixed-IV format B; inside PBES2, the cipher. */
  seedCbc: '1.2.410.200004.1.4',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha1: '1.2.840.113549.2.7',
  hmacWithSha224: '1.2.840.113549.2.8',
  hmacWithSha256: '1.2.840.113549.2.9',
  hmacWithSha384: '1.2.840.113549.2.10',
  hmacWithSha512: '1.2.840.113549.2.11',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  /** KISA randomNum: the R that goes into the VID, kept in PrivateKeyInfo attributes. */
  randomNum: '1.2.410.200004.10.1.1.3',
  /** KISA id-kisa-identifyData: the SAN otherName holding the real name and the VID. */
  identifyData: '1.2.410.200004.10.1.1',
  /** KISA id-VID inside identifyData's userInfo. */
  vid: '1.2.410.200004.10.1.1.1',
  subjectAltName: '2.5.29.17',
  certificatePolicies: '2.5.29.32',
} as const;
