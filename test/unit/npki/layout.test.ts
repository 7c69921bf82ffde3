import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CertificateExistsError } from '../../../src/errors/index.js';
import { scanNpkiRoot, writeNpkiFolder } from '../../../src/npki/layout.js';

const dn = 'cn=홍길동()0001234567890123,ou=KB,ou=personal4IB,o=yessign,c=kr';

async function tempRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'npki-layout-'));
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

  it('refuses a subject that is not one folder name', async () => {
    const root = await tempRoot();
    await expect(
      writeNpkiFolder(
        root,
        'yessign',
        'cn=../../etc',
        { signCert: Buffer.from('c') },
        { replace: false },
      ),
    ).rejects.toThrow(/cannot be a folder name/);
  });
});
