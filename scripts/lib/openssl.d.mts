export declare const legacyProviders: string[];
export interface StagedKeyFile {
  readonly key: string;
  readonly pass: string;
}
export declare function stageKeyFile(keyFile: Uint8Array, password: string): StagedKeyFile;
export declare function opensslPkcs8Decrypt(staged: StagedKeyFile): Buffer;
export declare function cmpIrArgs(options: {
  ref: string;
  secret: string;
  newKey: string;
  certOut: string;
}): string[];
export declare function cmpKurArgs(options: {
  key: string;
  cert: string;
  newKey: string;
  certOut: string;
}): string[];
export declare function cmpRrArgs(options: {
  key: string;
  cert: string;
  reason?: number;
}): string[];
export declare function cmpServerArgs(hostPort: string, chain: string): string[];
