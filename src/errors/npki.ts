import { RetriableError, type VisitorMessage } from '../shared/kioskError.js';
import type { Reason } from '../shared/reason.js';

/** What kind of NPKI file an error is about, for messages and logs. */
export type NpkiFileKind = 'privateKey' | 'certificate';

const fileNames: Record<NpkiFileKind, VisitorMessage> = {
  privateKey: { ko: '개인키 파일', en: 'private key file' },
  certificate: { ko: '인증서 파일', en: 'certificate file' },
};

/** The password does not decrypt signPri.key (bad padding or no PrivateKeyInfo inside). */
export class WrongPasswordError extends RetriableError {
  readonly code = 'NPKI_WRONG_PASSWORD';
  readonly reason: Reason = 'wrongPassword';
  readonly visitor = {
    ko: '인증서 비밀번호가 맞지 않습니다. 다시 입력해 주세요.',
    en: 'The certificate password is not correct. Please enter it again.',
  };
  constructor(options?: { cause?: unknown }) {
    super('the password does not decrypt the private key', options);
  }
}

/**
 * signPri.key decrypts (the password is right) to a PKCS#1 RSAPrivateKey instead of the PKCS#8
 * PrivateKeyInfo NPKI requires: a file some tools wrote, which the kiosk does not convert.
 */
export class Pkcs1KeyError extends RetriableError {
  readonly code = 'NPKI_KEY_PKCS1';
  readonly reason: Reason = 'malformedInput';
  readonly visitor = {
    ko: '개인키 파일이 표준 형식(PKCS#8)이 아닙니다. 인증서를 재발급 받으세요.',
    en: 'The private key file is not in the standard format (PKCS#8). Please have the certificate reissued.',
  };
  constructor(options?: { cause?: unknown }) {
    super('signPri.key holds a PKCS#1 RSAPrivateKey, not a PKCS#8 PrivateKeyInfo', options);
  }
}

/** The file ends before its DER structure does (a copy cut short, a drive pulled mid-write). */
export class TruncatedFileError extends RetriableError {
  readonly code = 'NPKI_TRUNCATED';
  readonly reason: Reason = 'truncatedInput';
  readonly visitor: VisitorMessage;
  constructor(
    readonly file: NpkiFileKind,
    readonly expectedBytes: number,
    readonly actualBytes: number,
  ) {
    const name = fileNames[file];
    super(`the ${name.en} is truncated: ${actualBytes} of ${expectedBytes} bytes`);
    this.visitor = {
      ko: `${name.ko}이 손상되었습니다(잘림). 다른 저장 매체를 사용하거나 인증서를 재발급 받으세요.`,
      en: `The ${name.en} is damaged (cut short). Use another medium or have the certificate reissued.`,
    };
  }
}

/** The bytes are not the structure they should be. `detail` is for the log only. */
export class MalformedFileError extends RetriableError {
  readonly code = 'NPKI_MALFORMED';
  readonly reason: Reason = 'malformedInput';
  readonly visitor: VisitorMessage;
  constructor(
    readonly file: NpkiFileKind,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    const name = fileNames[file];
    super(`the ${name.en} is malformed: ${detail}`, options);
    this.visitor = {
      ko: `${name.ko}을 읽을 수 없습니다. 다른 저장 매체를 사용하거나 인증서를 재발급 받으세요.`,
      en: `The ${name.en} cannot be read. Use another medium or have the certificate reissued.`,
    };
  }
}

/** signPri.key names an encryption or key-derivation algorithm this kiosk does not read. */
export class UnsupportedAlgorithmError extends RetriableError {
  readonly code = 'NPKI_UNSUPPORTED_ALGORITHM';
  readonly reason: Reason = 'unsupportedAlgorithm';
  readonly visitor = {
    ko: '지원하지 않는 방식으로 암호화된 개인키입니다. 인증서를 재발급 받으세요.',
    en: 'The private key is encrypted in a way this kiosk does not support. Have it reissued.',
  };
  constructor(
    readonly oid: string,
    readonly role: 'encryption' | 'keyDerivation' | 'prf',
  ) {
    super(`unsupported ${role} algorithm ${oid}`);
  }
}

/** The private key and the certificate's public key are not a pair. */
export class KeyMismatchError extends RetriableError {
  readonly code = 'NPKI_KEY_MISMATCH';
  readonly reason: Reason = 'keyMismatch';
  readonly visitor = {
    ko: '개인키와 인증서가 짝이 맞지 않습니다. 인증서를 재발급 받으세요.',
    en: 'The private key does not belong to the certificate. Have the certificate reissued.',
  };
  constructor() {
    super('the private key does not match the certificate');
  }
}

/** No certificate on the medium, or none matching the selection. */
export class CertificateNotFoundError extends RetriableError {
  readonly code = 'NPKI_NOT_FOUND';
  readonly reason: Reason = 'notFound';
  readonly visitor = {
    ko: '저장 매체에서 인증서를 찾을 수 없습니다.',
    en: 'No certificate was found on the medium.',
  };
  constructor(readonly where: string) {
    super(`no certificate found in ${where}`);
  }
}

/** Several certificates match and the caller must choose one. */
export class AmbiguousCertificateError extends RetriableError {
  readonly code = 'NPKI_AMBIGUOUS';
  readonly reason: Reason = 'ambiguousSelection';
  readonly visitor = {
    ko: '인증서가 여러 개 있습니다. 사용할 인증서를 선택해 주세요.',
    en: 'There are several certificates. Please choose one.',
  };
  constructor(readonly serials: readonly string[]) {
    super(`${serials.length} certificates match; choose one by serial (${serials.join(', ')})`);
  }
}

/** A certificate folder for this subject is already on the medium and replacing was not confirmed. */
export class CertificateExistsError extends RetriableError {
  readonly code = 'NPKI_EXISTS';
  readonly reason: Reason = 'alreadyExists';
  readonly visitor = {
    ko: '같은 인증서가 이미 저장되어 있습니다. 바꾸려면 확인해 주세요.',
    en: 'The same certificate is already stored. Confirm to replace it.',
  };
  constructor(readonly path: string) {
    super(`${path} already exists`);
  }
}

/** The certificate's VID is not the one computed from the holder's IDN and the key's R. */
export class VidMismatchError extends RetriableError {
  readonly code = 'NPKI_VID_MISMATCH';
  readonly reason: Reason = 'vidMismatch';
  readonly visitor = {
    ko: '인증서의 본인 확인 정보가 주민등록번호와 일치하지 않습니다.',
    en: 'The certificate’s identity value does not match the resident registration number.',
  };
  constructor() {
    super('the VID does not match the IDN and R');
  }
}

/** A VID check was asked for but cannot run: the key has no R or the certificate no VID. */
export class VidUnavailableError extends RetriableError {
  readonly code = 'NPKI_VID_UNAVAILABLE';
  readonly reason: Reason = 'vidUnavailable';
  readonly visitor = {
    ko: '이 인증서는 주민등록번호로 본인 확인을 할 수 없습니다.',
    en: 'This certificate cannot be checked against a resident registration number.',
  };
  constructor(readonly missing: 'randomNum' | 'vid') {
    super(
      missing === 'randomNum'
        ? 'the private key holds no R (randomNum)'
        : 'the certificate holds no VID',
    );
  }
}

/** The new certificate password breaks the rules of DESIGN §4.5; `failed` lists them. */
export class PasswordRulesError extends RetriableError {
  readonly code = 'NPKI_PASSWORD_RULES';
  readonly reason: Reason = 'passwordRules';
  readonly visitor = {
    ko: '비밀번호가 규칙에 맞지 않습니다. 표시된 항목을 확인해 주세요.',
    en: 'The password does not meet the rules. Check the items shown.',
  };
  constructor(readonly failed: readonly string[]) {
    super(`the password breaks: ${failed.join(', ')}`);
  }
}

/** Renewal is asked for outside its window (DESIGN §1: from N days before expiry). */
export class RenewalNotOpenError extends RetriableError {
  readonly code = 'NPKI_RENEWAL_NOT_OPEN';
  readonly reason: Reason = 'renewalNotOpen';
  readonly visitor: VisitorMessage;
  constructor(
    readonly notAfter: string,
    readonly windowDays: number,
  ) {
    super(
      `renewal opens ${windowDays} days before ${notAfter}, or the certificate has expired (reissue instead)`,
    );
    this.visitor = {
      ko: `갱신은 만료 ${windowDays}일 전부터 만료일까지 가능합니다. 만료된 인증서는 재발급 받으세요.`,
      en: `Renewal is possible from ${windowDays} days before expiry until expiry. An expired certificate must be reissued.`,
    };
  }
}

/** The CA's OCSP responder says the certificate is revoked (`kiosk cert check --ca-cert`). */
export class CertificateRevokedError extends RetriableError {
  readonly code = 'NPKI_CERT_REVOKED';
  readonly reason: Reason = 'certificateRevoked';
  readonly visitor = {
    ko: '이 인증서는 폐지되었습니다. 새 인증서를 발급받아 주세요.',
    en: 'This certificate has been revoked. Please get a new one.',
  };
  constructor(readonly serial: string) {
    super(`certificate ${serial} is revoked (OCSP)`);
  }
}
