import { z } from 'zod';
import { minWriteIterations, iterationBounds } from '../npki/signPriKey.js';
import { isLoopback, parseListen } from './listen.js';

/** A 16-bit id as a number or hex text (`0x0c2e`, as lsusb prints it without the 0x). */
const usbId = z.union([
  z.number().int().min(0).max(0xffff),
  z
    .string()
    .regex(/^(0x)?[0-9a-fA-F]{1,4}$/, 'a 16-bit hex id')
    .transform((s) => parseInt(s.replace(/^0x/, ''), 16)),
]);
const byte = z.number().int().min(0).max(255);
const offset = z.number().int().min(0).max(63);

/** One HID device by vendor:product and the usage page of the collection to open. */
const hidDevice = z.object({ vendorId: usbId, productId: usbId, usagePage: usbId.optional() });

/** Which report bytes hold key codes and which code means which key (drivers/hid/contract.ts). */
const pinPadReportMap = z
  .object({
    reportId: byte.min(1).optional(),
    keyOffset: offset,
    keyCount: z.number().int().min(1).max(16),
    keys: z.record(
      z.string().regex(/^(0x[0-9a-fA-F]{1,2}|[0-9]{1,3})$/, 'a key code, 0x59 or 89'),
      z.enum([
        '0',
        '1',
        '2',
        '3',
        '4',
        '5',
        '6',
        '7',
        '8',
        '9',
        'clear',
        'backspace',
        'enter',
        'cancel',
      ]),
    ),
  })
  .strict();

/** Where a HID POS scanner's report keeps its fields (offsets count the report id as byte 0). */
const scannerReportLayout = z
  .object({
    reportId: byte.min(1),
    lengthOffset: offset.min(1),
    symbologyOffset: offset.min(1).optional(),
    dataOffset: offset.min(1),
    dataCapacity: z.number().int().min(1).max(4095),
    continued: z
      .object({ offset: z.number().int().min(1).max(4095), mask: byte.min(1) })
      .strict()
      .optional(),
  })
  .strict();

/**
 * The kiosk's configuration (DESIGN §6): one file, every key optional, defaults that serve the
 * demo. Unknown keys are refused so a misspelt key is an error, not a silently ignored setting.
 */
export const configSchema = z
  .object({
    /** Language of the screens and of human-readable CLI output. */
    language: z.enum(['ko', 'en']).default('ko'),
    npki: z
      .object({
        /** signPri.key format written: PBES2 (what current Korean software reads) or KISA's A. */
        writeFormat: z.enum(['pbes2', 'seedCbcWithSha1']).default('pbes2'),
        /** PBKDF iteration count for keys the kiosk writes (DESIGN §4.2: at least 2048 by default). */
        iterations: z.number().int().min(minWriteIterations).max(iterationBounds.max).default(2048),
        /** Days before notAfter when renewal opens (DESIGN §1). */
        renewalWindowDays: z.number().int().min(1).max(365).default(30),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
          .default('info'),
        /** JSON-lines log file; relative paths are relative to the kiosk home. Null: no log file. */
        file: z.string().min(1).nullable().default('var/log/kiosk.jsonl'),
        /** The log file is set aside (FILE.1, …) when it passes this many bytes. */
        maxBytes: z
          .number()
          .int()
          .min(64 * 1024)
          .max(2 ** 40)
          .default(10 * 1024 * 1024),
        /** Old log files kept; the oldest beyond this is removed. */
        keep: z.number().int().min(0).max(100).default(5),
      })
      .strict()
      .prefault({}),
    pkcs11: z
      .object({
        /**
         * The PKCS#11 library for every token. Absent (the default): each token's module is found
         * in the token catalogue (DESIGN §3.3), whose embedded default serves SoftHSM2 and OpenSC.
         */
        module: z.string().regex(/^\//, 'an absolute path').optional(),
        /** The token catalogue file (JSON, src/tokens/catalogue.schema.json); embedded if absent. */
        catalogue: z.string().min(1).optional(),
        /** Between two slot polls while watching for tokens (DESIGN §3.3: no slot events). */
        pollIntervalMs: z.number().int().min(100).max(60_000).default(1000),
        /** Least time between two module re-initialisations after removal-type errors. */
        recoveryIntervalMs: z.number().int().min(0).max(600_000).default(2000),
        /** Label prefix of the data object holding R (DESIGN §3.3: uncertain KISA profile). */
        r4vidLabelPrefix: z.string().min(1).max(32).default('R4VID='),
        /**
         * First word of the labels of the keys and certificates the kiosk puts on tokens
         * (`<prefix> <date>`); also how it recognises its own unfinished pairs to clean up.
         */
        labelPrefix: z
          .string()
          .regex(/^[\x21-\x7e]{1,16}$/, 'printable ASCII without spaces, at most 16 characters')
          .default('kiosk'),
      })
      .strict()
      .prefault({}),
    usb: z
      .object({
        /**
         * The largest drive the kiosk touches (DESIGN §3.4: never a system disk): 256 GiB by
         * default, above any stick a branch hands out, below the disks of the terminal.
         */
        maxBytes: z
          .number()
          .int()
          .min(1024 * 1024)
          .max(2 ** 50)
          .default(256 * 1024 ** 3),
        /** Loop devices count as drives (labs and tests only). */
        allowLoopDevices: z.boolean().default(false),
        /** FAT image files count as drives (labs, tests and the demo only). */
        allowImageFiles: z.boolean().default(false),
        /** The only folder image files may be in; relative to the kiosk home. */
        imageFolder: z.string().min(1).default('var/images'),
        /** The volume label `kiosk usb format` writes (FAT: up to 11 characters). */
        formatLabel: z
          .string()
          .regex(/^[A-Z0-9_-]{1,11}$/, 'up to 11 upper-case letters, digits, _ or -')
          .default('NPKI'),
      })
      .strict()
      .prefault({}),
    /**
     * Passive Authentication's Document Signer policy (issue 11 item 14): ICAO 9303-12's current
     * recommendations by default; a lab reading old specimens may relax them.
     */
    emrtd: z
      .object({
        minRsaBits: z.number().int().min(1024).max(16_384).default(2048),
        minEcBits: z.number().int().min(160).max(521).default(224),
        allowSha1: z.boolean().default(false),
        requireCountryMatch: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** The embedded CA/RA (`kiosk ca …`, DESIGN §5): its authorization and resource bounds. */
    ca: z
      .object({
        /**
         * The URL clients reach the CA at (`http://host:port`), written into certificates (CRL
         * distribution point, OCSP responder). Absent: the address `ca serve` is bound to.
         */
        publicUrl: z
          .string()
          .regex(/^https?:\/\/[^\s/]+$/, 'http://host:port, without a path')
          .optional(),
        /** An open transaction (ip/cp/kup sent, certConf awaited) expires after this long. */
        transactionTimeoutMs: z.number().int().min(10_000).max(3_600_000).default(300_000),
        /** First wait after a failed authorization; each further failure doubles it. */
        lockoutBaseMs: z.number().int().min(100).max(3_600_000).default(1000),
        /** Longest wait after failed authorizations (a lock is never permanent). */
        lockoutMaxMs: z.number().int().min(1000).max(86_400_000).default(900_000),
        /** Failed authorizations one client address may make before it waits too. */
        sourceFreeFailures: z.number().int().min(0).max(10_000).default(10),
        /** Highest PBM iteration count the CA computes (OpenSSL sends 500). */
        pbmMaxIterations: z.number().int().min(100).max(100_000).default(2000),
        /** Open connections at once; further ones are closed at once, the server keeps serving. */
        maxConnections: z.number().int().min(1).max(65_536).default(512),
        /** Open connections from one address at once. */
        maxPerAddress: z.number().int().min(1).max(65_536).default(64),
        /** A request's headers must arrive within this long. */
        headersTimeoutMs: z.number().int().min(1000).max(300_000).default(10_000),
        /** A whole request (headers and body) must arrive within this long. */
        requestTimeoutMs: z.number().int().min(1000).max(600_000).default(30_000),
        /** An idle keep-alive connection is closed after this long. */
        keepAliveTimeoutMs: z.number().int().min(100).max(120_000).default(5000),
        /**
         * Where `ca serve` also serves the RA endpoint (HTTPS, mutual TLS; DESIGN §5 "RA over the
         * network"), `host:port`. Absent: no RA endpoint (`--ra-listen` turns it on too).
         */
        raListen: z
          .string()
          .regex(/^[^\s]+:\d{1,5}$/, 'host:port')
          .optional(),
        /**
         * Host names and IP addresses kiosks reach the RA endpoint by, besides its listen host:
         * its TLS certificate names them all. Needed when it listens on every interface.
         */
        raServerNames: z
          .array(z.string().regex(/^[A-Za-z0-9.:[\]-]{1,253}$/, 'a host name or IP address'))
          .max(16)
          .optional(),
      })
      .strict()
      .prefault({}),
    /** The kiosk service (`kiosk start`, issue 13): what it offers and how long it waits. */
    kiosk: z
      .object({
        /** The institutions file (src/kiosk/institutions.ts); the demo's embedded if absent. */
        institutions: z.string().min(1).optional(),
        /** "Are you still there?" after this long without a key. */
        inactivityWarningMs: z.number().int().min(5000).max(3_600_000).default(60_000),
        /** After the warning, the visit is wiped after this long. */
        inactivityWipeMs: z.number().int().min(5000).max(600_000).default(30_000),
        /** The teller has this long to decide before the visitor is told to ask again. */
        tellerApprovalMs: z.number().int().min(10_000).max(3_600_000).default(600_000),
        /** The media a visitor may choose. */
        media: z
          .array(z.enum(['token', 'usb']))
          .min(1)
          .refine((m) => new Set(m).size === m.length, 'each once')
          .default(['token', 'usb']),
        /**
         * The branch's CA (DESIGN §2: remote in production): its CMP URL and the PEM bundle the
         * kiosk trusts (`kiosk ca export`: the CA chain and the RA encryption certificate R is
         * encrypted to). Absent: the kiosk runs its embedded CA under `<stateDir>/ca` on loopback
         * (the demo), never in a branch.
         */
        ca: z
          .object({
            url: z.string().regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'an http:// or https:// URL'),
            trust: z.string().min(1),
          })
          .strict()
          .optional(),
        /**
         * The CA's RA endpoint (HTTPS, mutual TLS): its URL, this branch's RA client certificate
         * and key (`kiosk ca ra add`), and the CA certificates its TLS certificate must chain to
         * (absent: those after the client certificate in `cert`, as `ca ra add` writes it).
         */
        ra: z
          .object({
            url: z.string().regex(/^https:\/\/[^\s/]+\/?$/, 'https://host:port'),
            cert: z.string().min(1),
            key: z.string().min(1),
            caCert: z.string().min(1).optional(),
          })
          .strict()
          .optional(),
        /** Folder of CSCA certificates for the chip's Passive Authentication; none: unverified. */
        csca: z.string().min(1).optional(),
        /**
         * A CA check unanswered this long counts as unreachable; absent: the kiosk machine's own
         * (10 s).
         */
        caCheckTimeoutMs: z.number().int().min(500).max(120_000).optional(),
        /** An unreachable CA is asked again after this long; absent: the machine's own (30 s). */
        caRecheckMs: z.number().int().min(1000).max(3_600_000).optional(),
        /**
         * The ID authenticity service (신분증 진위확인, src/kiosk/idAuthenticity/) for IDs the
         * teller checks in person; off: the approval rests on the teller's eyes alone.
         */
        idAuthenticity: z
          .object({ enabled: z.boolean().default(false) })
          .strict()
          .prefault({}),
      })
      .strict()
      .superRefine((kiosk, context) => {
        // A branch needs both its CA and its RA endpoint; one alone would mix the embedded CA
        // with a real one.
        if ((kiosk.ca === undefined) !== (kiosk.ra === undefined))
          context.addIssue({
            code: 'custom',
            path: [kiosk.ca === undefined ? 'ca' : 'ra'],
            message: 'kiosk.ca and kiosk.ra together (a branch needs its CA and its RA endpoint)',
          });
      })
      .prefault({}),
    /** The teller API (src/teller/, issue 14): where it listens, sessions, login throttling. */
    teller: z
      .object({
        /**
         * `host:port`. A fixed loopback port by default, next to `ca serve`'s 8829, so the teller
         * console finds it without being told; tests and a second kiosk on one host use `:0`.
         */
        listen: z
          .string()
          .regex(/^[^\s]+:\d{1,5}$/, 'host:port')
          .default('127.0.0.1:8830'),
        /** Certificate chain and key (PEM files): HTTPS. Required off loopback (DESIGN §8). */
        tls: z
          .object({ cert: z.string().min(1), key: z.string().min(1) })
          .strict()
          .optional(),
        /** A session ends this long after login, however busy (8 h: a shift). */
        sessionMs: z
          .number()
          .int()
          .min(60_000)
          .max(86_400_000)
          .default(8 * 3_600_000),
        /** A session ends after this long without a request (15 min: a console left alone). */
        idleMs: z
          .number()
          .int()
          .min(10_000)
          .max(86_400_000)
          .default(15 * 60_000),
        /** Failed logins one name may have before it waits. */
        loginFreeFailures: z.number().int().min(0).max(100).default(3),
        /** Failed logins one address may have before it waits (tellers share the loopback). */
        loginAddressFreeFailures: z.number().int().min(0).max(10_000).default(10),
        /** The first wait; each further failure doubles it. */
        loginBaseDelayMs: z.number().int().min(100).max(3_600_000).default(1000),
        /** The longest wait (a lock is never permanent). */
        loginMaxDelayMs: z.number().int().min(1000).max(86_400_000).default(300_000),
      })
      .strict()
      .superRefine((teller, context) => {
        const address = parseListen(teller.listen);
        // The pattern's own issue covers text that is no host:port; this, a port past 65535.
        if (address === undefined) {
          if (/^[^\s]+:\d{1,5}$/.test(teller.listen))
            context.addIssue({ code: 'custom', path: ['listen'], message: 'a port up to 65535' });
        } else if (!isLoopback(address.host) && teller.tls === undefined)
          context.addIssue({
            code: 'custom',
            path: ['tls'],
            message: 'teller.tls (cert and key) when teller.listen is not a loopback address',
          });
        if (teller.idleMs > teller.sessionMs)
          context.addIssue({
            code: 'custom',
            path: ['idleMs'],
            message: 'at most teller.sessionMs',
          });
        if (teller.loginBaseDelayMs > teller.loginMaxDelayMs)
          context.addIssue({
            code: 'custom',
            path: ['loginBaseDelayMs'],
            message: 'at most teller.loginMaxDelayMs',
          });
      })
      .prefault({}),
    /** The tamper-evident audit log (src/audit/, issue 14 item 2). */
    audit: z
      .object({
        /** The SQLite log; relative to the kiosk home. Absent: `<stateDir>/audit.sqlite`. */
        file: z.string().min(1).optional(),
        /** A signed checkpoint of the log's head after this many entries. */
        checkpointEvery: z.number().int().min(1).max(1_000_000).default(100),
        /** And this often while entries are written (and at start and shutdown). */
        checkpointIntervalMs: z.number().int().min(1000).max(86_400_000).default(300_000),
        /**
         * Where checkpoints also go, away from the log: `file` (a path on another mount) or
         * `syslog` (via `logger`; `server` host:port for a remote one over UDP).
         */
        sink: z
          .discriminatedUnion('kind', [
            z.object({ kind: z.literal('none') }).strict(),
            z.object({ kind: z.literal('file'), path: z.string().min(1) }).strict(),
            z
              .object({
                kind: z.literal('syslog'),
                server: z
                  .string()
                  .regex(/^[^\s]+:\d{1,5}$/, 'host:port')
                  .optional(),
              })
              .strict(),
          ])
          .default({ kind: 'none' }),
      })
      .strict()
      .prefault({}),
    /**
     * PIN pad and barcode/QR scanner on HID (drivers/hid/, DESIGN §3.5), by USB vendor:product.
     * Absent: no such device (passwords on the terminal keyboard, the form filled by hand). Only
     * data-mode devices: one in keyboard mode is refused at start (its keys reach the terminal).
     */
    hid: z
      .object({
        /** Report map absent: a generic numeric keypad (drivers/hid/pinReport.ts). */
        pinPad: hidDevice.extend({ reportMap: pinPadReportMap.optional() }).strict().optional(),
        /** Report layout absent: HID POS as Honeywell lays it out (drivers/hid/scanReport.ts). */
        scanner: hidDevice
          .extend({
            reportMap: scannerReportLayout.optional(),
            maxScanBytes: z.number().int().min(64).max(65_536).optional(),
            assemblyTimeoutMs: z.number().int().min(50).max(10_000).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .prefault({}),
    /** Folder for local state (SQLite databases); relative to the kiosk home. */
    stateDir: z.string().min(1).default('var/state'),
  })
  .strict();

/** The validated configuration. */
export type Config = z.infer<typeof configSchema>;

/** The configuration with every default: what the kiosk runs on when no file is given. */
export function defaultConfig(): Config {
  return configSchema.parse({});
}
