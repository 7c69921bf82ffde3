// Over 400 lines as one unit (issue 12): openssl cmp against one running CA for every CMP command;
// the tests share the CA, its registrations and the client helpers.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificatePolicies, UserNotice } from '@peculiar/asn1-x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { x509 } from '../../src/shared/x509.js';
import { cmpIrArgs, cmpKurArgs, cmpRrArgs } from '../../scripts/lib/openssl.mjs';
import { register, startCa, type RunningCa } from '../support/caServer.js';
import { runKiosk } from '../support/kiosk.js';
import { sharedFixtures } from '../support/fixtures.js';
import { tempDir } from '../support/tempDir.js';

/** `openssl cmp` as the client (DESIGN §5 interop), with its exit status and what it printed. */
function opensslCmp(
  ca: RunningCa,
  args: readonly string[],
): { status: number | null; output: string } {
  const run = spawnSync(
    'openssl',
    ['cmp', '-server', ca.server, '-path', 'pkix/', '-trusted', ca.chain, ...args],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

function opensslOk(args: readonly string[]): string {
  const run = spawnSync('openssl', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

function newKey(dir: string, name: string): string {
  const path = join(dir, name);
  opensslOk(['genrsa', '-out', path, '2048']);
  return path;
}

/** A certificate from `openssl cmp -cmd ir` on a fresh registration (`--vid optional`). */
function enrolled(ca: RunningCa, dir: string, holder: [string, string], file: string) {
  const { ref, authCode } = register(ca, holder[0], holder[1], 'general', 'optional');
  const key = newKey(dir, `${file}.key.pem`);
  const cert = join(dir, `${file}.pem`);
  const run = opensslCmp(ca, cmpIrArgs({ ref, secret: authCode, newKey: key, certOut: cert }));
  expect(run.status, run.output).toBe(0);
  return { key, cert };
}

describe('openssl cmp as the client of kiosk ca serve', () => {
  let ca: RunningCa;
  let work: string;
  beforeAll(async () => {
    // openssl renews certificates just issued: the CA's renewal window (item 3) covers them.
    ca = await startCa('yessign', {}, { npki: { renewalWindowDays: 365 } });
    work = tempDir('openssl-client-');
  });

  it('ir with -ref/-secret from kiosk ca register: issued, confirmed, verifies against the export', () => {
    const { ref, authCode } = register(ca, '홍길동', '9001011234568', 'restricted', 'optional');
    const key = newKey(work, 'ir.key.pem');
    const cert = join(work, 'ir.crt.pem');
    const run = opensslCmp(ca, cmpIrArgs({ ref, secret: authCode, newKey: key, certOut: cert }));
    expect(run.output).toContain('received PKICONF');
    expect(run.status).toBe(0);
    expect(opensslOk(['verify', '-CAfile', ca.chain, cert])).toContain(': OK');
    const text = opensslOk([
      'x509',
      '-in',
      cert,
      '-noout',
      '-text',
      '-nameopt',
      'utf8,sep_comma_plus',
    ]);
    expect(text).toContain('CN=홍길동()');
    expect(text).toContain('1.2.410.200005.1.1.4'); // restricted (bank/insurance) by default
    // The CRL distribution point is where the CA really listens, not the requested port 0.
    expect(text).toContain(`URI:http://${ca.server}/crl`);
    expect(text).not.toContain(':0/crl');
    expect(text).toMatch(/Digital Signature, Non Repudiation/);

    // Issue 11 item 11: a relying party requiring the restricted policy accepts the chain.
    expect(
      opensslOk([
        'verify',
        '-CAfile',
        ca.chain,
        '-explicit_policy',
        '-policy',
        '1.2.410.200005.1.1.4',
        cert,
      ]),
    ).toContain(': OK');
    // Item 12: encoded as the real yessign test certificate is (fixtures/npki).
    const asn1 = opensslOk(['asn1parse', '-in', cert, '-i']);
    expect(asn1).toMatch(/PRINTABLESTRING\s+:kr\n/);
    for (const value of ['yessign', 'personal4IB', 'KIOSK'])
      expect(asn1).toMatch(new RegExp(`UTF8STRING\\s+:${value}\\n`));
    expect(asn1).not.toMatch(/PRINTABLESTRING\s+:(yessign|personal4IB)/);
    const policies = new x509.X509Certificate(readFileSync(cert, 'utf8')).getExtension('2.5.29.32');
    const [policy] = AsnConvert.parse(policies?.value ?? new ArrayBuffer(0), CertificatePolicies);
    const notice = policy?.policyQualifiers?.find(
      (q) => q.policyQualifierId === '1.3.6.1.5.5.7.2.2',
    );
    const explicitText = AsnConvert.parse(
      notice?.qualifier ?? new ArrayBuffer(0),
      UserNotice,
    ).explicitText;
    expect(explicitText?.bmpString).toMatch(/키오스크/);
    expect(explicitText?.utf8String).toBeUndefined();
    expect(text).toMatch(
      /Authority Key Identifier:\s+keyid:[0-9A-F:]+\s+DirName:.*Root CA\s+serial:/,
    );
  });

  it('ir without R on a registration that requires a VID is refused, naming R', () => {
    // Issue 11 item 4, its reproduction: openssl cmp cannot send R and got a personal
    // certificate without identifyData. Standard clients register with --vid optional (above).
    const { ref, authCode } = register(ca, '최지우', '0103154234567', 'general');
    const key = newKey(work, 'no-r.key.pem');
    const run = opensslCmp(
      ca,
      cmpIrArgs({ ref, secret: authCode, newKey: key, certOut: join(work, 'no-r.pem') }),
    );
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('R (the VID random number, regInfo randomNum) is missing');
  });

  it('a reference number works once; a wrong secret and an unknown reference get CMP errors', () => {
    const { ref, authCode } = register(ca, '김철수', '8501012234565', 'general', 'optional');
    const key = newKey(work, 'once.key.pem');
    const first = opensslCmp(
      ca,
      cmpIrArgs({ ref, secret: authCode, newKey: key, certOut: join(work, 'once.pem') }),
    );
    expect(first.status).toBe(0);
    const replay = opensslCmp(
      ca,
      cmpIrArgs({ ref, secret: authCode, newKey: key, certOut: join(work, 'twice.pem') }),
    );
    expect(replay.status).not.toBe(0);
    expect(replay.output).toContain('the reference number was already used');
    const other = register(ca, '이영희', '9505052234563');
    const wrong = opensslCmp(
      ca,
      cmpIrArgs({
        ref: other.ref,
        secret: 'WRONG-CODE',
        newKey: key,
        certOut: join(work, 'wrong.pem'),
      }),
    );
    expect(wrong.output).toMatch(/badMessageCheck|wrong authorization code/);
    expect(wrong.status).not.toBe(0);
    const unknown = opensslCmp(
      ca,
      cmpIrArgs({ ref: '00000000', secret: 'x', newKey: key, certOut: join(work, 'unknown.pem') }),
    );
    expect(unknown.status).not.toBe(0);
    // Issue 11 item 5: an unknown reference is answered as a known one with a wrong code, so
    // the answers do not tell which references are live.
    expect(unknown.output).toContain('wrong authorization code, or the message was altered');
    expect(unknown.output).not.toMatch(/unknown reference|signerNotTrusted/);
  });

  it('rr by PBM: another holder of the same name is refused, the same person accepted', () => {
    // Issue 11 item 1, its reproduction: a second 홍길동 with another IDN revoked the first one's
    // certificate with their own reference and code.
    const victimIdn = '6001011234563';
    const issued = register(ca, '홍길동', victimIdn, 'general', 'optional');
    const key = newKey(work, 'victim.key.pem');
    const victim = join(work, 'victim.pem');
    const ir = opensslCmp(
      ca,
      cmpIrArgs({ ref: issued.ref, secret: issued.authCode, newKey: key, certOut: victim }),
    );
    expect(ir.status, ir.output).toBe(0);
    const serial = opensslOk(['x509', '-in', victim, '-noout', '-serial'])
      .trim()
      .replace('serial=', '');
    const rrWith = (registration: { ref: string; authCode: string }) =>
      opensslCmp(ca, [
        '-cmd',
        'rr',
        '-ref',
        registration.ref,
        '-secret',
        `pass:${registration.authCode}`,
        '-oldcert',
        victim,
      ]);
    const crlText = (): string => {
      const crl = join(work, `crl-${Date.now()}.der`);
      expect(runKiosk(['ca', 'crl', '--dir', ca.dir, '--out', crl], ca.home).status).toBe(0);
      return opensslOk(['crl', '-inform', 'DER', '-in', crl, '-noout', '-text']);
    };

    const stranger = rrWith(register(ca, '홍길동', '7002022234561', 'general'));
    expect(stranger.status).not.toBe(0);
    expect(stranger.output).toContain('the registration is for another holder');
    expect(crlText()).not.toContain(`Serial Number: ${serial}`);

    const holder = rrWith(register(ca, '홍길동', victimIdn, 'general'));
    expect(holder.output).toContain('revocation accepted');
    expect(crlText()).toContain(`Serial Number: ${serial}`);
  });

  it('openssl ocsp as the client: good, then revoked with its reason; GET too; a stranger unknown', async () => {
    // Issue 11 item 10: the AIA names an OCSP responder on the embedded CA (RFC 6960).
    const { key, cert } = enrolled(ca, work, ['오세훈', '6106061234560'], 'ocsp');
    const text = opensslOk(['x509', '-in', cert, '-noout', '-text']);
    expect(text).toContain(`OCSP - URI:http://${ca.server}/ocsp`);
    const issuer = join(ca.dir, 'issuing.crt.pem');
    const ocsp = (extra: readonly string[]): string =>
      opensslOk([
        'ocsp',
        '-issuer',
        issuer,
        '-url',
        `http://${ca.server}/ocsp`,
        '-CAfile',
        ca.chain,
        ...extra,
      ]).trim();
    const good = ocsp(['-cert', cert]);
    expect(good).toContain(`${cert}: good`);
    // openssl checks the signature (-CAfile) and its nonce: "Response verify OK" is on stderr.
    expect(
      spawnSync(
        'openssl',
        [
          'ocsp',
          '-issuer',
          issuer,
          '-cert',
          cert,
          '-url',
          `http://${ca.server}/ocsp`,
          '-CAfile',
          ca.chain,
        ],
        { encoding: 'utf8' },
      ).stderr,
    ).toContain('Response verify OK');

    const rr = opensslCmp(ca, cmpRrArgs({ key, cert, reason: 1 }));
    expect(rr.output).toContain('revocation accepted');
    const revoked = ocsp(['-cert', cert]);
    expect(revoked).toContain(`${cert}: revoked`);
    expect(revoked).toContain('Reason: keyCompromise');
    // A serial the CA never issued.
    expect(ocsp(['-serial', '0x0123456789'])).toContain('0x0123456789: unknown');

    // RFC 6960 A.1: the same request by GET, base64 in the path.
    const request = join(work, 'ocsp-req.der');
    opensslOk(['ocsp', '-issuer', issuer, '-cert', cert, '-reqout', request, '-no_nonce']);
    const encoded = encodeURIComponent(readFileSync(request).toString('base64'));
    const res = await fetch(`http://${ca.server}/ocsp/${encoded}`);
    expect(res.headers.get('content-type')).toBe('application/ocsp-response');
    const response = join(work, 'ocsp-resp.der');
    writeFileSync(response, new Uint8Array(await res.arrayBuffer()));
    expect(
      opensslOk([
        'ocsp',
        '-respin',
        response,
        '-issuer',
        issuer,
        '-cert',
        cert,
        '-CAfile',
        ca.chain,
      ]),
    ).toContain(': revoked');
    // Bytes that are no request: an OCSP malformedRequest, not an HTTP error.
    const bad = await fetch(`http://${ca.server}/ocsp`, {
      method: 'POST',
      headers: { 'content-type': 'application/ocsp-request' },
      body: 'hello',
    });
    expect(bad.status).toBe(200);
    expect(Buffer.from(await bad.arrayBuffer()).toString('hex')).toBe('30030a0101');
    // A GET whose percent-encoding is broken (the attack review): the same answer, no 500.
    const broken = await fetch(`http://${ca.server}/ocsp/%E0%A4%A`);
    expect(broken.status).toBe(200);
    expect(Buffer.from(await broken.arrayBuffer()).toString('hex')).toBe('30030a0101');
  });

  it('kur with the current certificate renews it; rr revokes it and the serial is on the CRL', () => {
    const { key, cert } = enrolled(ca, work, ['박민수', '7702021234564'], 'kur-old');
    const newKeyPath = newKey(work, 'kur-new.key.pem');
    const renewed = join(work, 'kur-new.pem');
    const kur = opensslCmp(ca, cmpKurArgs({ key, cert, newKey: newKeyPath, certOut: renewed }));
    expect(kur.output).toContain('received PKICONF');
    expect(opensslOk(['verify', '-CAfile', ca.chain, renewed])).toContain(': OK');
    const subject = (file: string): string =>
      opensslOk(['x509', '-in', file, '-noout', '-subject']);
    expect(subject(renewed)).toBe(subject(cert));
    // Issue 11 item 3, its reproduction: a second kur from the same certificate. The first one
    // superseded it, so it is refused and no third certificate exists.
    const again = opensslCmp(
      ca,
      cmpKurArgs({
        key,
        cert,
        newKey: newKey(work, 'kur-again.key.pem'),
        certOut: join(work, 'kur-again.pem'),
      }),
    );
    expect(again.status).not.toBe(0);
    expect(again.output).toMatch(/signerNotTrusted|not trusted/);

    // A hold is not a revocation the CA offers: refused, the certificate still good.
    const hold = opensslCmp(ca, cmpRrArgs({ key: newKeyPath, cert: renewed, reason: 6 }));
    expect(hold.status).not.toBe(0);
    expect(hold.output).toContain('revocation reason 6 is not accepted');
    const rr = opensslCmp(ca, cmpRrArgs({ key: newKeyPath, cert: renewed }));
    expect(rr.output).toContain('revocation accepted');
    const crl = join(work, 'crl.der');
    expect(runKiosk(['ca', 'crl', '--dir', ca.dir, '--out', crl], ca.home).status).toBe(0);
    const serial = opensslOk(['x509', '-in', renewed, '-noout', '-serial'])
      .trim()
      .replace('serial=', '');
    const crlText = opensslOk(['crl', '-inform', 'DER', '-in', crl, '-noout', '-text']);
    expect(crlText).toContain(`Serial Number: ${serial}`);
    const oldSerial = opensslOk(['x509', '-in', cert, '-noout', '-serial'])
      .trim()
      .replace('serial=', '');
    expect(crlText).toMatch(
      new RegExp(
        `Serial Number: ${oldSerial}\\s+Revocation Date:[^\\n]*\\s+CRL entry extensions:\\s+X509v3 CRL Reason Code:\\s+Superseded`,
      ),
    );
    // The CRL is the issuing CA's, and verifies with it.
    expect(
      spawnSync('openssl', ['crl', '-inform', 'DER', '-in', crl, '-CAfile', ca.chain, '-noout'], {
        encoding: 'utf8',
      }).stderr,
    ).toContain('verify OK');
  });
});

describe('kiosk ca serve refuses what it must', () => {
  let ca: RunningCa;
  beforeAll(async () => {
    ca = await startCa();
  });

  const post = (body: Uint8Array, type = 'application/pkixcmp'): Promise<Response> =>
    fetch(ca.url, {
      method: 'POST',
      headers: { 'content-type': type },
      body: new Uint8Array(body),
    });

  it.each(['IR_unprotected.der', 'IR_rmprotection.der'])(
    'an unprotected request (%s) gets a CMP error',
    async (name) => {
      const res = await post(readFileSync(join(sharedFixtures, 'cmp/openssl-3.0.22', name)));
      expect(res.status).toBe(200);
      const { decodePkiMessage } = await import('../../src/cmp/message.js');
      const answer = decodePkiMessage(new Uint8Array(await res.arrayBuffer()));
      expect(answer.bodyType).toBe('error');
    },
  );

  it('kur before the renewal window opens is refused (openssl does not check the window)', () => {
    const work = tempDir('openssl-early-');
    const { key, cert } = enrolled(ca, work, ['박민수', '7702021234564'], 'old');
    const kur = opensslCmp(
      ca,
      cmpKurArgs({
        key,
        cert,
        newKey: newKey(work, 'new.key.pem'),
        certOut: join(work, 'new.pem'),
      }),
    );
    expect(kur.status).not.toBe(0);
    expect(kur.output).toContain('renewal opens 30 days before expiry');
  });

  it('genm gets a genp: the CA certificates when asked for anything, nothing for unknown types', () => {
    // Issue 11 item 13: `openssl cmp -cmd genm` got a plain-text HTTP 400.
    const genm = (extra: readonly string[]) =>
      opensslCmp(ca, ['-cmd', 'genm', '-ref', '1234', '-secret', 'pass:any', ...extra]);
    const all = genm([]);
    expect(all.output).toContain('received GENP');
    expect(all.output).toContain('genp contains ITAV of type: id-it-caCerts');
    expect(all.status).toBe(0);
    const other = genm(['-infotype', 'signKeyPairTypes']);
    expect(other.output).toContain('received GENP');
    expect(other.output).toContain('genp contains no ITAV');
  });

  it('bytes that are no PKIMessage get 400, a huge body 413, another content type 415', async () => {
    expect((await post(Buffer.from('hello'))).status).toBe(400);
    expect((await post(new Uint8Array(300 * 1024))).status).toBe(413);
    expect((await post(Buffer.from('x'), 'text/plain')).status).toBe(415);
    expect((await fetch(`http://${ca.server}/nowhere`)).status).toBe(404);
  });
});
