/**
 * Go's encoding/csv reader with the settings upstream's token file uses (comma separator, no
 * comments, strict quotes, any number of fields per record), so that a token file parses,
 * and fails, exactly as it does for kube-apiserver: same records, same ParseError messages
 * (`parse error on line 2, column 5: bare " in non-quoted-field`).
 */

/** csv.ErrBareQuote. */
export const ERR_BARE_QUOTE = 'bare " in non-quoted-field';
/** csv.ErrQuote. */
export const ERR_QUOTE = 'extraneous or missing " in quoted-field';

/** csv.ParseError: where a record failed to parse (lines and byte columns are 1-based). */
export class CsvParseError extends Error {
  override readonly name = 'CsvParseError';
  constructor(
    readonly startLine: number,
    readonly line: number,
    readonly column: number,
    readonly err: string,
  ) {
    super(
      startLine !== line
        ? `record on line ${startLine}; parse error on line ${line}, column ${column}: ${err}`
        : `parse error on line ${line}, column ${column}: ${err}`,
    );
  }
}

/** UTF-8 length of a string: Go columns count bytes. */
function byteLen(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Length of a trailing "\n" (lines are normalised so "\r\n" became "\n"). */
function lengthNL(s: string): number {
  return s.endsWith('\n') ? 1 : 0;
}

/**
 * Reads every record of `text`. Throws CsvParseError at the first malformed record. Empty lines
 * are skipped; a record may span lines inside quotes.
 */
export function readGoCsv(text: string): string[][] {
  const records: string[][] = [];
  let offset = 0;
  let numLine = 0;

  /** csv.Reader.readLine: one line with its "\n", "\r\n" normalised; undefined at EOF. */
  const readLine = (): { line: string; eof: boolean } => {
    if (offset >= text.length) return { line: '', eof: true };
    const nl = text.indexOf('\n', offset);
    let line: string;
    if (nl < 0) {
      line = text.slice(offset);
      offset = text.length;
      numLine++;
      // For backwards compatibility Go drops a trailing \r before EOF.
      if (line.endsWith('\r')) line = line.slice(0, -1);
      return { line, eof: false };
    }
    line = text.slice(offset, nl + 1);
    offset = nl + 1;
    numLine++;
    if (line.endsWith('\r\n')) line = `${line.slice(0, -2)}\n`;
    return { line, eof: false };
  };

  for (;;) {
    let { line, eof } = readLine();
    while (!eof && line.length === lengthNL(line)) {
      ({ line, eof } = readLine()); // skip empty lines
    }
    if (eof) return records;

    const recLine = numLine;
    const fields: string[] = [];
    // Position: the current line's text and where `line` starts inside it (for columns).
    let posLine = numLine;
    let lineText = line;
    let lineStart = 0; // index into lineText where `line` begins
    const col = (idx: number): number => byteLen(lineText.slice(0, lineStart + idx)) + 1;

    parseField: for (;;) {
      if (line.length === 0 || !line.startsWith('"')) {
        const i = line.indexOf(',');
        const field = i >= 0 ? line.slice(0, i) : line.slice(0, line.length - lengthNL(line));
        const j = field.indexOf('"');
        if (j >= 0) throw new CsvParseError(recLine, numLine, col(j), ERR_BARE_QUOTE);
        fields.push(field);
        if (i >= 0) {
          line = line.slice(i + 1);
          lineStart += i + 1;
          continue;
        }
        break;
      }
      // Quoted field.
      let value = '';
      line = line.slice(1);
      lineStart += 1;
      for (;;) {
        const i = line.indexOf('"');
        if (i >= 0) {
          value += line.slice(0, i);
          line = line.slice(i + 1);
          lineStart += i + 1;
          if (line.startsWith('"')) {
            value += '"';
            line = line.slice(1);
            lineStart += 1;
          } else if (line.startsWith(',')) {
            line = line.slice(1);
            lineStart += 1;
            fields.push(value);
            continue parseField;
          } else if (lengthNL(line) === line.length) {
            fields.push(value);
            break parseField;
          } else {
            // col(-1) is the quote just consumed.
            throw new CsvParseError(recLine, numLine, col(-1), ERR_QUOTE);
          }
        } else if (line.length > 0) {
          value += line;
          const next = readLine();
          if (next.eof) {
            // Abrupt end of file inside quotes: the column is just past the last line.
            throw new CsvParseError(recLine, posLine, byteLen(lineText) + 1, ERR_QUOTE);
          }
          line = next.line;
          lineText = line;
          lineStart = 0;
          posLine++;
        } else {
          throw new CsvParseError(recLine, posLine, col(0), ERR_QUOTE);
        }
      }
    }
    records.push(fields);
  }
}
