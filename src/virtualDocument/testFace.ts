import { encode } from 'jpeg-js';

/**
 * A made-up face for test documents: a skin-coloured oval with hair, eyes, brows, nose and mouth on
 * a plain background, encoded as a baseline JPEG by jpeg-js (pure JavaScript, so the bytes are the
 * same on every machine). Deterministic given the seed: tests compare the JPEG in DG2 byte for byte
 * with the one the profile writes. jpeg-js is a devDependency: only test tooling imports this.
 */

export interface TestFaceOptions {
  readonly seed: number;
  readonly width?: number;
  readonly height?: number;
  /** JPEG quality, 1–100. */
  readonly quality?: number;
}

/** A JPEG face image (ISO/IEC 10918-1, starts FFD8). */
export function drawTestFace(options: TestFaceOptions): Buffer {
  const { seed, width = 240, height = 320, quality = 80 } = options;
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const background = pick([
    [228, 233, 240],
    [236, 236, 230],
    [222, 232, 226],
  ] as const);
  const skin = pick([
    [241, 204, 173],
    [226, 185, 150],
    [250, 218, 190],
  ] as const);
  const hair = pick([
    [30, 24, 20],
    [55, 40, 30],
    [20, 20, 25],
  ] as const);
  const cx = width / 2 + (random() - 0.5) * 8;
  const cy = height * 0.45;
  const rx = width * (0.28 + random() * 0.04);
  const ry = height * (0.3 + random() * 0.03);
  const eyeY = cy - ry * 0.1;
  const eyeDx = rx * 0.42;
  const mouthY = cy + ry * 0.52;

  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let colour: readonly number[] = background;
      const inside = (ex: number, ey: number, ax: number, ay: number): boolean =>
        ((x - ex) / ax) ** 2 + ((y - ey) / ay) ** 2 <= 1;
      // Shoulders, then hair behind the face, the face, and the features on top.
      if (inside(cx, height * 1.05, width * 0.48, height * 0.22)) colour = [60, 70, 95];
      if (inside(cx, cy - ry * 0.12, rx * 1.1, ry * 1.02) && y < cy) colour = hair;
      if (inside(cx, cy, rx, ry)) colour = skin;
      if (inside(cx, cy - ry * 0.78, rx * 0.95, ry * 0.32) && y < cy - ry * 0.55) colour = hair;
      for (const side of [-1, 1]) {
        if (inside(cx + side * eyeDx, eyeY - ry * 0.16, rx * 0.2, ry * 0.035)) colour = hair;
        if (inside(cx + side * eyeDx, eyeY, rx * 0.16, ry * 0.06)) colour = [250, 250, 250];
        if (inside(cx + side * eyeDx, eyeY, rx * 0.07, ry * 0.055)) colour = [45, 30, 25];
      }
      if (Math.abs(x - cx) < 2 && y > eyeY + ry * 0.1 && y < cy + ry * 0.3) {
        colour = skin.map((c) => c - 40);
      }
      if (inside(cx, mouthY, rx * 0.32, ry * 0.07) && y > mouthY - ry * 0.01) {
        colour = [180, 70, 70];
      }
      const at = (y * width + x) * 4;
      data[at] = colour[0] ?? 0;
      data[at + 1] = colour[1] ?? 0;
      data[at + 2] = colour[2] ?? 0;
      data[at + 3] = 255;
    }
  }
  return encode({ data, width, height }, quality).data;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same face everywhere. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
