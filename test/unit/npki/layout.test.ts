import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CertificateExistsError } from '../../../src/errors/index.js';
import { scanNpkiRoot } from '../../../src/npki/layout.js';
import { writeNpkiFolder } from '../../../src/npki/pairWrite.js';
import { readYessign } from '../../support/fixtures.js';
import { tempDir } from '../../support/tempDir.js';

const dn = 'cn=홍길동()0001234567890123,ou=KB,ou=personal4IB,o=yessign,c=kr';

async function tempRoot(): Promise<string> {
  return Promise.resolve(tempDir('layout-'));
}

describe('scanning an NPKI root', () => {
  it('is empty when there is no NPKI folder', async () => {
    expect(await scanNpkiRoot(await tempRoot())).toEqual([]);
    expect(await scanNpkiRoot('/nonexistent/npki-root')).toEqual([]);
  });

  it('matches folder and file names case-insensitively', async () => {
    const root = await tempRoot();
    const dir = join(root, 'npki', 'YESSIGN', 'user', dn);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'SIGNCERT.DER'), 'c');
    await writeFile(join(dir, 'SignPri.Key'), 'k');
    const [entry, ...rest] = await scanNpkiRoot(root);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      caFolder: 'YESSIGN',
      dnFolder: dn,
      signCert: join(dir, 'SIGNCERT.DER'),
      signKey: join(dir, 'SignPri.Key'),
    });
  });

  it('lists a certificate without a key, and skips folders without a certificate', async () => {
    const root = await tempRoot();
    await mkdir(join(root, 'NPKI', 'KICA', 'USER', 'cn=a'), { recursive: true });
    await writeFile(join(root, 'NPKI', 'KICA', 'USER', 'cn=a', 'signCert.der'), 'c');
    await mkdir(join(root, 'NPKI', 'KICA', 'USER', 'cn=empty'), { recursive: true });
    const entries = await scanNpkiRoot(root);
    expect(entries.map((e) => e.dnFolder)).toEqual(['cn=a']);
    expect(entries[0]?.signKey).toBeUndefined();
  });
});

describe('writing a certificate folder', () => {
  it('writes the pair under NPKI/<CA>/USER/<DN>/ and leaves no staging folder', async () => {
    const root = await tempRoot();
    const dir = await writeNpkiFolder(
      root,
      'yessign',
      dn,
      { signCert: Buffer.from('cert'), signKey: Buffer.from('key') },
      { replace: false },
    );
    expect(dir).toBe(join(root, 'NPKI', 'yessign', 'USER', dn));
    expect(await readFile(join(dir, 'signCert.der'), 'utf8')).toBe('cert');
    expect(await readFile(join(dir, 'signPri.key'), 'utf8')).toBe('key');
    expect(await readdir(join(root, 'NPKI', 'yessign', 'USER'))).toEqual([dn]);
  });

  it('keeps an existing folder unless replacing is confirmed', async () => {
    const root = await tempRoot();
    await writeNpkiFolder(
      root,
      'yessign',
      dn,
      { signCert: Buffer.from('old') },
      { replace: false },
    );
    await expect(
      writeNpkiFolder(root, 'yessign', dn, { signCert: Buffer.from('new') }, { replace: false }),
    ).rejects.toBeInstanceOf(CertificateExistsError);
    const dir = await writeNpkiFolder(
      root,
      'yessign',
      dn,
      { signCert: Buffer.from('new'), signKey: Buffer.from('k') },
      { replace: true },
    );
    expect(await readFile(join(dir, 'signCert.der'), 'utf8')).toBe('new');
    expect(await readdir(join(root, 'NPKI', 'yessign', 'USER'))).toEqual([dn]);
  });

  it('reuses existing folders whatever their case', async () => {
    const root = await tempRoot();
    await mkdir(join(root, 'npki', 'YESSIGN', 'user'), { recursive: true });
    const dir = await writeNpkiFolder(
      root,
      'yessign',
      dn,
      { signCert: Buffer.from('c') },
      { replace: false },
    );
    expect(dir).toBe(join(root, 'npki', 'YESSIGN', 'user', dn));
  });

  it.each([
    'cn=../../etc',
    '..',
    '.',
    '',
    'cn=a\u0000b',
    'cn=a\u001bb',
    'cn=a\\b',
    'cn=' + 'x'.repeat(253),
  ])('refuses a subject that is not one folder name: %j', async (name) => {
    const root = await tempRoot();
    await expect(
      writeNpkiFolder(root, 'yessign', name, { signCert: Buffer.from('c') }, { replace: false }),
    ).rejects.toThrow(/cannot be a folder name/);
  });

  it('refuses to write through a symbolic link', async () => {
    const root = await tempRoot();
    const outside = await tempRoot();
    await symlink(outside, join(root, 'NPKI'));
    await expect(
      writeNpkiFolder(root, 'yessign', dn, { signCert: Buffer.from('c') }, { replace: false }),
    ).rejects.toMatchObject({
      code: 'STORAGE_IO',
      errno: 'a symbolic link',
    });
    expect(await readdir(outside)).toEqual([]);
  });

  it('finishes an interrupted write: staging removed, a pair moved aside restored', async () => {
    const root = await tempRoot();
    const cert = readYessign('signCert.der');
    const user = join(root, 'NPKI', 'yessign', 'USER');
    // A crash between "move the old pair aside" and "rename the new one into place".
    await mkdir(join(user, '.kiosk-aside-0a0b0c'), { recursive: true });
    await writeFile(join(user, '.kiosk-aside-0a0b0c', 'signCert.der'), cert);
    await writeFile(join(user, '.kiosk-aside-0a0b0c', 'signPri.key'), 'old key');
    await mkdir(join(user, '.kiosk-staging-0d0e0f'));
    await writeFile(join(user, '.kiosk-staging-0d0e0f', 'signPri.key'), 'half');
    await writeNpkiFolder(
      root,
      'yessign',
      dn,
      { signCert: Buffer.from('other') },
      { replace: false },
    );
    const yessignDn =
      'cn=HKD(KILDONG.HONG)009104120200225191000030,ou=INITECH,ou=personal4IB,o=yessign,c=kr';
    expect((await readdir(user)).sort()).toEqual([yessignDn, dn].sort());
    expect(await readFile(join(user, yessignDn, 'signPri.key'), 'utf8')).toBe('old key');
  });

  it('keeps an aside folder whose certificate cannot be read: never deletes a pair on a guess', async () => {
    const root = await tempRoot();
    const user = join(root, 'NPKI', 'yessign', 'USER');
    await mkdir(join(user, '.kiosk-aside-0a0b0c'), { recursive: true });
    await writeFile(join(user, '.kiosk-aside-0a0b0c', 'signCert.der'), 'not a certificate');
    await writeFile(join(user, '.kiosk-aside-0a0b0c', 'signPri.key'), 'somebody’s key');
    await writeNpkiFolder(root, 'yessign', dn, { signCert: Buffer.from('c') }, { replace: false });
    expect(await readFile(join(user, '.kiosk-aside-0a0b0c', 'signPri.key'), 'utf8')).toBe(
      'somebody’s key',
    );
  });

  it('replacing a pair keeps the key-management files the new pair does not bring', async () => {
    const root = await tempRoot();
    const dir = join(root, 'NPKI', 'yessign', 'USER', dn);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'signCert.der'), 'old cert');
    await writeFile(join(dir, 'signPri.key'), 'old key');
    await writeFile(join(dir, 'kmCert.der'), 'km cert');
    await writeFile(join(dir, 'kmPri.key'), 'km key');
    await writeNpkiFolder(
      root,
      'yessign',
      dn,
      { signCert: Buffer.from('new cert'), signKey: Buffer.from('new key') },
      { replace: true },
    );
    expect((await readdir(dir)).sort()).toEqual(
      ['kmCert.der', 'kmPri.key', 'signCert.der', 'signPri.key'].sort(),
    );
    expect(await readFile(join(dir, 'signPri.key'), 'utf8')).toBe('new key');
    expect(await readFile(join(dir, 'kmPri.key'), 'utf8')).toBe('km key');
  });

  it.each(['cn=a:b', 'cn=a?', 'cn=a*', 'cn=a|b', 'cn=a<b>', 'cn=a"b', 'cn=trailing.', 'cn=space '])(
    'refuses a subject FAT cannot hold as a folder name: %j',
    async (name) => {
      await expect(
        writeNpkiFolder(
          await tempRoot(),
          'yessign',
          name,
          { signCert: Buffer.from('c') },
          { replace: false },
        ),
      ).rejects.toThrow(/cannot be a folder name/);
    },
  );
});
