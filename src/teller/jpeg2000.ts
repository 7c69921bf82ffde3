import type { Jpeg2000Decoder, PhotoPixels } from './photo.js';

// JPEG 2000 for the teller console (issue 15 item 3; DG2 may hold JPEG 2000, ICAO 9303-10):
// OpenJPEG built to WebAssembly, `@cornerstonejs/codec-openjpeg` (its decode-only build, which
// reads JP2 files and J2K codestreams). The package is optional: it is loaded when the console
// starts, and without it the console says how to view the photo instead (photo.ts). Emscripten
// prints OpenJPEG's messages with console.log unless told otherwise, which would scribble over
// the teller's screen: print and printErr are silenced.

/** The package's decode-only WebAssembly build (its exports map: `./decodewasmjs`). */
export const openJpegModule = '@cornerstonejs/codec-openjpeg/decodewasmjs';

interface FrameInfo {
  readonly width: number;
  readonly height: number;
  readonly bitsPerSample: number;
  readonly componentCount: number;
  readonly isSigned: boolean;
}

interface J2KDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  delete(): void;
}

interface OpenJpeg {
  J2KDecoder: new () => J2KDecoder;
}

type Factory = (module: { print: () => void; printErr: () => void }) => Promise<OpenJpeg>;

/**
 * The OpenJPEG decoder, or undefined when the package is not installed (or will not load).
 * `specifier` is for tests that load a copy from elsewhere.
 */
export async function loadJpeg2000Decoder(
  specifier: string = openJpegModule,
): Promise<Jpeg2000Decoder | undefined> {
  let factory: Factory;
  try {
    const loaded = (await import(specifier)) as { default?: unknown };
    if (typeof loaded.default !== 'function') return undefined;
    factory = loaded.default as Factory;
  } catch {
    return undefined;
  }
  let library: OpenJpeg;
  try {
    library = await factory({ print: () => undefined, printErr: () => undefined });
  } catch {
    return undefined;
  }
  return {
    name: 'OpenJPEG (WebAssembly, @cornerstonejs/codec-openjpeg)',
    decode: (b, max) => decodeWith(library, b, max),
  };
}

function decodeWith(library: OpenJpeg, bytes: Uint8Array, maxPixels: number): PhotoPixels {
  const decoder = new library.J2KDecoder();
  try {
    // The size first, from the bytes: a huge image is refused before OpenJPEG allocates it (this
    // build's readHeader leaves getFrameInfo empty until decode).
    const header = jpeg2000Size(bytes);
    if (header === undefined) throw new Error('not a JPEG 2000 image');
    if (header.width * header.height > maxPixels) throw new Error('over the pixel limit');
    decoder.getEncodedBuffer(bytes.length).set(bytes);
    decoder.decode();
    const { width, height, bitsPerSample, componentCount } = decoder.getFrameInfo();
    if (width !== header.width || height !== header.height) throw new Error('inconsistent size');
    if (bitsPerSample > 16 || (componentCount !== 1 && componentCount !== 3))
      throw new Error('unsupported sample layout');
    const decoded = decoder.getDecodedBuffer();
    const bytesPerSample = bitsPerSample > 8 ? 2 : 1;
    if (decoded.length < width * height * componentCount * bytesPerSample)
      throw new Error('short image');
    const rgb = new Uint8Array(width * height * 3);
    const shift = Math.max(0, bitsPerSample - 8);
    for (let p = 0; p < width * height; p++)
      for (let c = 0; c < 3; c++) {
        const component = componentCount === 1 ? 0 : c;
        const index = p * componentCount + component;
        const value =
          bytesPerSample === 2
            ? ((decoded[index * 2] ?? 0) | ((decoded[index * 2 + 1] ?? 0) << 8)) >> shift
            : (decoded[index] ?? 0);
        rgb[p * 3 + c] = Math.min(255, value);
      }
    return { width, height, rgb };
  } finally {
    decoder.delete();
  }
}

/**
 * Width and height from the codestream's SIZ segment (ITU T.800 §A.5.1), in a bare J2K
 * codestream or in a JP2 file's `jp2c` box (ITU T.800 §I.5.4); undefined if there is none.
 */
export function jpeg2000Size(bytes: Uint8Array): { width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const siz = (at: number): { width: number; height: number } | undefined => {
    // SOC FF4F, SIZ FF51, Lsiz, Rsiz, Xsiz, Ysiz, XOsiz, YOsiz.
    if (at + 24 > bytes.length || view.getUint32(at) !== 0xff4fff51) return undefined;
    const width = view.getUint32(at + 8) - view.getUint32(at + 16);
    const height = view.getUint32(at + 12) - view.getUint32(at + 20);
    return width > 0 && height > 0 ? { width, height } : undefined;
  };
  if (bytes.length >= 4 && view.getUint32(0) === 0xff4fff51) return siz(0);
  let at = 0;
  // At most a few dozen boxes in a face image: a bound on the walk all the same.
  for (let box = 0; box < 64 && at + 8 <= bytes.length; box++) {
    let length = view.getUint32(at);
    const type = view.getUint32(at + 4);
    let header = 8;
    if (length === 1) {
      if (at + 16 > bytes.length || view.getUint32(at + 8) !== 0) return undefined;
      length = view.getUint32(at + 12);
      header = 16;
    } else if (length === 0) length = bytes.length - at;
    // 'jp2c', the contiguous codestream box.
    if (type === 0x6a703263) return siz(at + header);
    if (length < header) return undefined;
    at += length;
  }
  return undefined;
}
