import type { Linter } from 'eslint';

export declare const nativePackages: string[];
export declare const layers: Linter.Config[];
