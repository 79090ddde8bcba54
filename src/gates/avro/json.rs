//! A small JSON parser that keeps the line and column of every value and key.
//!
//! `.avsc` files are JSON; every finding must name a line, and serde_json does
//! not keep positions. This parser builds a tree of [`Json`] nodes, each with
//! its 1-based line and column, and rejects what strict JSON rejects (trailing
//! commas, bad escapes, leading zeros), with the line and column of the
//! problem. `//` and `/* */` comments are skipped, as Avro's Java parser does. Duplicate object keys are kept in order (the schema reader
//! decides what they mean). Nesting is bounded ([`MAX_DEPTH`]) so that no input
//! can exhaust the stack. Not for: schema semantics (see `schema`).

use std::fmt;

/// Deepest nesting accepted (arrays and objects).
pub const MAX_DEPTH: usize = 200;

/// A JSON value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Json {
    pub line: u32,
    pub col: u32,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// The number exactly as written.
    Number(Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<Member>),
}

/// One `"key": value` pair of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub key: String,
    pub line: u32,
    pub value: Json,
}

/// A JSON number as written (so `1` and `1.0` stay different, as they are to Avro).
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    pub raw: String,
}

impl Number {
    /// Written without fraction or exponent.
    pub fn is_integral(&self) -> bool {
        !self.raw.contains(['.', 'e', 'E'])
    }

    /// The value as an `i64`, when integral and in range.
    pub fn as_i64(&self) -> Option<i64> {
        if self.is_integral() {
            self.raw.parse().ok()
        } else {
            None
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        self.raw.parse().ok()
    }
}

/// Why a text is not JSON, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl Json {
    /// The member `key` of an object (the last one, if repeated).
    pub fn get(&self, key: &str) -> Option<&Json> {
        match &self.value {
            Value::Object(members) => members
                .iter()
                .rev()
                .find(|m| m.key == key)
                .map(|m| &m.value),
            _ => None,
        }
    }

    /// The member `key` with the line of its key.
    pub fn member(&self, key: &str) -> Option<&Member> {
        match &self.value {
            Value::Object(members) => members.iter().rev().find(|m| m.key == key),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// A short name for the kind of value (for messages).
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

/// Parse a whole document (UTF-8, optional BOM, one value, surrounding whitespace).
pub fn parse(bytes: &[u8]) -> Result<Json, JsonError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let (line, col) = position(&bytes[..e.valid_up_to()]);
            return Err(JsonError {
                line,
                col,
                message: "the file is not valid UTF-8".into(),
            });
        }
    };
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        i: 0,
        line: 1,
        line_start: 0,
    };
    p.ws();
    let value = p.value(0)?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.err("unexpected text after the JSON value"));
    }
    Ok(value)
}

fn position(prefix: &[u8]) -> (u32, u32) {
    let line = 1 + prefix.iter().filter(|&&b| b == b'\n').count();
    let start = prefix
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    (clamp(line), clamp(prefix.len() - start + 1))
}

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    line: usize,
    line_start: usize,
}

impl Parser<'_> {
    fn col(&self) -> u32 {
        // Columns count characters, not bytes.
        let start = self.line_start.min(self.i);
        clamp(
            self.text
                .get(start..self.i)
                .map_or(self.i - start, |s| s.chars().count())
                + 1,
        )
    }

    fn err(&self, message: impl Into<String>) -> JsonError {
        JsonError {
            line: clamp(self.line),
            col: self.col(),
            message: message.into(),
        }
    }

    /// Skip whitespace and comments (`// ...` and `/* ... */`, which Avro's Java
    /// parser accepts: it enables Jackson's ALLOW_COMMENTS). An unterminated
    /// block comment runs to the end and is reported by whatever comes next.
    fn ws(&mut self) {
        while let Some(&b) = self.s.get(self.i) {
            match b {
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'\n' => {
                    self.i += 1;
                    self.line += 1;
                    self.line_start = self.i;
                }
                b'/' if self.s.get(self.i + 1) == Some(&b'/') => {
                    while self.s.get(self.i).is_some_and(|&c| c != b'\n') {
                        self.i += 1;
                    }
                }
                b'/' if self.s.get(self.i + 1) == Some(&b'*') => {
                    self.i += 2;
                    loop {
                        match self.s.get(self.i) {
                            None => return,
                            Some(b'*') if self.s.get(self.i + 1) == Some(&b'/') => {
                                self.i += 2;
                                break;
                            }
                            Some(b'\n') => {
                                self.i += 1;
                                self.line += 1;
                                self.line_start = self.i;
                            }
                            Some(_) => self.i += 1,
                        }
                    }
                }
                _ => break,
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        let (line, col) = (clamp(self.line), self.col());
        let at = |value| Json { line, col, value };
        match self.s.get(self.i) {
            None => Err(self.err("unexpected end of file: expected a value")),
            Some(b'{') => {
                if depth >= MAX_DEPTH {
                    return Err(self.err(format!("nested deeper than {MAX_DEPTH} levels")));
                }
                self.i += 1;
                let mut members = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(at(Value::Object(members)));
                }
                loop {
                    self.ws();
                    if self.s.get(self.i) != Some(&b'"') {
                        return Err(self.err("expected a string key in double quotes"));
                    }
                    let key_line = clamp(self.line);
                    let key = self.string()?;
                    self.ws();
                    if self.s.get(self.i) != Some(&b':') {
                        return Err(self.err("expected `:` after the key"));
                    }
                    self.i += 1;
                    self.ws();
                    let value = self.value(depth + 1)?;
                    members.push(Member {
                        key,
                        line: key_line,
                        value,
                    });
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(at(Value::Object(members)));
                        }
                        _ => return Err(self.err("expected `,` or `}` in the object")),
                    }
                }
            }
            Some(b'[') => {
                if depth >= MAX_DEPTH {
                    return Err(self.err(format!("nested deeper than {MAX_DEPTH} levels")));
                }
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(at(Value::Array(items)));
                }
                loop {
                    self.ws();
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(at(Value::Array(items)));
                        }
                        _ => return Err(self.err("expected `,` or `]` in the array")),
                    }
                }
            }
            Some(b'"') => Ok(at(Value::String(self.string()?))),
            Some(b't') => self.word("true").map(|()| at(Value::Bool(true))),
            Some(b'f') => self.word("false").map(|()| at(Value::Bool(false))),
            Some(b'n') => self.word("null").map(|()| at(Value::Null)),
            Some(b'-' | b'0'..=b'9') => Ok(at(Value::Number(self.number()?))),
            Some(_) => Err(self.err("expected a JSON value")),
        }
    }

    fn word(&mut self, word: &str) -> Result<(), JsonError> {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(())
        } else {
            Err(self.err("expected a JSON value (true, false, null, a number, a string, [ or {)"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Number, JsonError> {
        let start = self.i;
        if self.s.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        let int_start = self.i;
        let n = self.digits();
        if n == 0 {
            return Err(self.err("expected digits in the number"));
        }
        if n > 1 && self.s[int_start] == b'0' {
            return Err(self.err("numbers must not have leading zeros"));
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.err("expected digits after the decimal point"));
            }
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("expected digits in the exponent"));
            }
        }
        Ok(Number {
            raw: self.text.get(start..self.i).unwrap_or("0").to_string(),
        })
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = self
                .s
                .get(self.i)
                .and_then(|&b| (b as char).to_digit(16))
                .ok_or_else(|| self.err("expected 4 hex digits after \\u"))?;
            v = v * 16 + d;
            self.i += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.i += 1; // opening quote
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(&b) = self.s.get(self.i) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i += 1;
            }
            out.push_str(self.text.get(start..self.i).unwrap_or(""));
            match self.s.get(self.i) {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = match self.s.get(self.i) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.i += 1;
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi)
                                && self.s[self.i..].starts_with(b"\\u")
                            {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                } else {
                                    self.i = save;
                                    hi
                                }
                            } else {
                                hi
                            };
                            out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                            continue;
                        }
                        _ => return Err(self.err("invalid escape in string")),
                    };
                    self.i += 1;
                    out.push(c);
                }
                Some(_) => return Err(self.err("control character in string (escape it)")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_lines_of_values_and_keys() {
        let doc = parse(b"{\n  \"a\": 1,\n  \"b\": [\n    true, \"x\"\n  ]\n}").unwrap();
        assert_eq!(doc.line, 1);
        let b = doc.member("b").unwrap();
        assert_eq!(b.line, 3);
        match &b.value.value {
            Value::Array(items) => assert_eq!((items[1].line, items[1].col), (4, 11)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse(b"{\n  \"a\": 1,\n}").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("string key"), "{e}");
        assert_eq!(parse(b"[1,]").unwrap_err().col, 4);
        assert!(parse(b"01").is_err());
        assert!(parse(b"\"a").is_err());
        assert!(parse(b"{} x").is_err());
        assert!(parse(b"\xff").is_err());
    }

    #[test]
    fn comments_are_skipped_as_avro_java_does() {
        let doc = parse(b"// an event\n{ /* the type */ \"type\": \"int\",\n /* two\n lines */ \"x\": 1 // end\n}").unwrap();
        assert_eq!(doc.get("type").and_then(Json::as_str), Some("int"));
        assert_eq!(doc.member("x").map(|m| m.line), Some(4));
        assert!(parse(b"{\"a\": 1 /* open").is_err());
        assert!(parse(b"{\"a\": 1} # hash").is_err());
    }

    #[test]
    fn numbers_stay_as_written() {
        let n = parse(b"1.0").unwrap();
        match n.value {
            Value::Number(n) => {
                assert!(!n.is_integral());
                assert_eq!(n.as_f64(), Some(1.0));
            }
            other => panic!("{other:?}"),
        }
        match parse(b"-12").unwrap().value {
            Value::Number(n) => assert_eq!(n.as_i64(), Some(-12)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn escapes_and_surrogates() {
        let s = parse(br#""a\n\u00e9\ud83d\ude00""#).unwrap();
        assert_eq!(s.as_str(), Some("a\né😀"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        assert!(
            parse(deep.as_bytes())
                .unwrap_err()
                .message
                .contains("nested")
        );
    }
}

#[cfg(test)]
mod measure {
    /// `cargo test --lib gates::avro::json::measure -- --ignored --nocapture`:
    /// this parser (with positions) against serde_json (without) on a 2 MB schema file.
    #[test]
    #[ignore]
    fn parse_speed_against_serde_json() {
        let fields: Vec<String> = (0..20_000)
            .map(|i| format!("{{\"name\": \"f{i}\", \"type\": [\"null\", \"string\"], \"default\": null, \"doc\": \"field number {i}\"}}"))
            .collect();
        let doc = format!(
            "{{\"type\": \"record\", \"name\": \"Big\", \"fields\": [\n{}\n]}}",
            fields.join(",\n")
        );
        let time = |f: &dyn Fn()| {
            let mut runs: Vec<f64> = (0..7)
                .map(|_| {
                    let t = std::time::Instant::now();
                    f();
                    t.elapsed().as_secs_f64() * 1000.0
                })
                .collect();
            runs.sort_by(f64::total_cmp);
            runs[3]
        };
        let ours = time(&|| {
            super::parse(doc.as_bytes()).unwrap();
        });
        let serde = time(&|| {
            serde_json::from_str::<serde_json::Value>(&doc).unwrap();
        });
        println!(
            "{} bytes: positions parser {ours:.1} ms, serde_json::Value {serde:.1} ms (ratio {:.2})",
            doc.len(),
            ours / serde
        );
    }
}
