/**
 * The compile-fail checks of test/types/inline-config.ts, without their `@ts-expect-error`
 * markers: each marked line must then fail to compile, with the expected message.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const FILE = join(import.meta.dirname, 'inline-config.ts');

describe('honest API types', () => {
  it('a misspelt inline config field, a wrong logLevel, a wrong type and a wrong name kind fail to compile', () => {
    const original = readFileSync(FILE, 'utf8');
    const stripped = original.replace(/^\s*\/\/ @ts-expect-error.*\n/gm, '');
    expect(original.match(/\/\/ @ts-expect-error/g)?.length).toBe(4);
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
    };
    const host = ts.createCompilerHost(options);
    const read = host.readFile.bind(host);
    host.readFile = (f) => (f === FILE ? stripped : read(f));
    const program = ts.createProgram([FILE], options, host);
    const errors = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file?.fileName === FILE)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0]);
    expect(errors).toHaveLength(4);
    expect(errors[0]).toMatch(/'privateDnsEnabeld' does not exist/);
    expect(errors[1]).toMatch(/Type '"loud"' is not assignable to type 'LogLevel/);
    expect(errors[2]).toMatch(/Type 'string' is not assignable to type 'number'/);
    expect(errors[3]).toMatch(/Type '"public"' is not assignable to type 'NameForm'/);
  }, 180_000);
});
