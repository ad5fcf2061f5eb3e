/** Returns the patched ELF image, or null when there is nothing to patch. */
export function patchElf(input: Uint8Array): Buffer | null;
/** Ensures `@jazzer.js/fuzzer` loads; returns a note when a patched copy is in use. */
export function ensureFuzzerAddon(): string | null;
