/**
 * YAML syntax errors in plain words, at the place to fix: the parser reports where it noticed
 * the problem (an unclosed quote at the end of the file, an over-indented key on the line
 * before it); these say what is wrong and point at the line to edit.
 */

/** A syntax error as the `yaml` package reports it. */
export interface YamlErrorLike {
  code: string;
  pos: [number, number];
  message: string;
}

/** Where (1-based) and what to tell the user. */
export interface PlainYamlError {
  line: number;
  col: number;
  message: string;
}

type LinePos = (offset: number) => { line: number; col: number };

/** The plain-words version of one error; falls back to the parser's own first line. */
export function plainYamlError(text: string, e: YamlErrorLike, linePos: LinePos): PlainYamlError {
  const at = linePos(e.pos[0]);
  const first = e.message.split('\n')[0];
  const lines = text.split('\n');
  switch (e.code) {
    case 'MISSING_CHAR': {
      const q = /closing (["'])/.exec(first)?.[1] ?? (/closing "quote/.test(first) ? '"' : undefined);
      if (q) {
        const open = text.lastIndexOf(q, Math.min(e.pos[0], text.length - 1));
        if (open >= 0) {
          const p = linePos(open);
          return {
            ...p,
            message: `YAML: the quoted value opened here with ${q} is never closed; add the closing ${q}`,
          };
        }
      }
      if (/without - indicator/.test(first))
        return {
          ...at,
          message:
            'YAML: this line is indented less than the list item above it, or a list item lacks its "- "; line it up with the keys it belongs to',
        };
      break;
    }
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY': {
      // "key: value" followed by a line indented further: the next line is the one to fix.
      const keyLine = lines[at.line - 1] ?? '';
      const keyCol = keyLine.length - keyLine.replace(/^[\s-]*/, '').length;
      for (let i = at.line; i < lines.length; i++) {
        const l = lines[i];
        if (!l.trim() || l.trim().startsWith('#')) continue;
        const indent = l.length - l.trimStart().length;
        if (indent > keyCol)
          return {
            line: i + 1,
            col: indent + 1,
            message: `YAML: this key starts at column ${indent + 1} but the key above it (line ${at.line}) at column ${keyCol + 1}; keys of one mapping line up`,
          };
        break;
      }
      return {
        ...at,
        message:
          'YAML: a value that already has a value on this line cannot have nested keys; put them on their own lines',
      };
    }
    case 'DUPLICATE_KEY': {
      const key = /^\s*-?\s*("[^"]*"|'[^']*'|[^:#]+?)\s*:/
        .exec(text.slice(lineStart(text, e.pos[0])))?.[1]
        ?.trim();
      if (key) {
        const firstAt = findKeyBefore(lines, key, at.line - 1, at.col - 1);
        return {
          ...at,
          message: `YAML: the key ${key} is given twice in this mapping${firstAt ? ` (first at line ${firstAt})` : ''}; keep one`,
        };
      }
      return { ...at, message: 'YAML: a key is given twice in this mapping; keep one' };
    }
    case 'TAB_AS_INDENT':
      return { ...at, message: 'YAML: a tab indents this line; YAML indents with spaces only' };
    case 'BAD_INDENT':
      if (/Flow sequence/.test(first)) {
        const open = text.lastIndexOf('[', e.pos[0]);
        if (open >= 0)
          return {
            ...linePos(open),
            message: 'YAML: the list opened here with [ is never closed; add the ]',
          };
      }
      if (/Flow map|Flow mapping/.test(first)) {
        const open = text.lastIndexOf('{', e.pos[0]);
        if (open >= 0)
          return { ...linePos(open), message: 'YAML: the map opened here with { is never closed; add the }' };
      }
      break;
  }
  return { ...at, message: `YAML: ${first}` };
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The 1-based line of an earlier `key:` at the same indentation, above `line` (0-based). */
function findKeyBefore(lines: string[], key: string, line: number, col: number): number | undefined {
  for (let i = line - 1; i >= 0; i--) {
    const l = lines[i];
    const indent = l.length - l.trimStart().length;
    if (l.trim() && indent < col && !l.trimStart().startsWith('- ')) return undefined;
    const rest = l.slice(col).replace(/^-\s*/, '');
    if (rest.startsWith(`${key}:`) || rest.startsWith(`${key} :`)) return i + 1;
  }
  return undefined;
}
