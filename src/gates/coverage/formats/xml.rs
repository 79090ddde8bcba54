//! The XML reader shared by the XML report parsers (Cobertura, JaCoCo, Clover):
//! a streaming walk over the bytes that hands out borrowed element names,
//! attribute slices and text, with no allocation per element or attribute.
//!
//! Coverage reports are large (a million `<line>` elements) and use a small
//! part of XML, so this is a purpose-built scanner rather than a general
//! parser: it jumps between `<`, quotes and `>` with memchr, reads attributes
//! only when a parser asks for them, and computes line numbers only for error
//! messages. It still checks what a report needs to be trusted: every element
//! closed by its own name, nothing left open at the end, terminated comments,
//! CDATA, processing instructions and attribute values, entity references
//! resolved. Not for: DTD validation or namespaces (prefixes are dropped from
//! element names).

use crate::gates::coverage::model::ParseError;
use memchr::{memchr, memmem};
use std::borrow::Cow;

/// Where an event starts; its line is computed only when asked for (errors).
#[derive(Clone, Copy)]
pub struct At<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> At<'a> {
    /// The 1-based line of the event.
    pub fn line(&self) -> u64 {
        line_of(self.bytes, self.pos)
    }

    /// An error at this event's line.
    pub fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError::at(self.line(), message)
    }

    /// The byte offset of the event in the walked input.
    pub fn offset(&self) -> usize {
        self.pos
    }
}

/// What the walk hands to a parser.
pub enum Node<'a> {
    /// An opening tag (`empty`: it was `<x/>`, and no `Close` follows).
    Open {
        name: &'a str,
        attrs: Attrs<'a>,
        empty: bool,
    },
    Close {
        name: &'a str,
    },
    /// Character data: raw text (entities not yet resolved) or CDATA.
    /// Whitespace-only text between tags is not reported.
    Text(Text<'a>),
}

/// What the parser wants next after an `Open`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Do not report the element's content (still checked to be well-formed);
    /// its `Close` is reported.
    SkipContent,
}

/// Character data between tags.
#[derive(Clone, Copy)]
pub struct Text<'a> {
    raw: &'a [u8],
    cdata: bool,
}

impl<'a> Text<'a> {
    /// The text with entity references resolved.
    pub fn value(&self) -> Result<Cow<'a, str>, String> {
        if self.cdata {
            std::str::from_utf8(self.raw)
                .map(Cow::Borrowed)
                .map_err(|_| "expected UTF-8 text".to_string())
        } else {
            unescape(self.raw, false)
        }
    }
}

/// The attributes of one start tag, unparsed until asked for.
#[derive(Clone, Copy)]
pub struct Attrs<'a> {
    raw: &'a [u8],
}

impl<'a> Attrs<'a> {
    /// The raw (still escaped) values of the attributes `names`, in one pass
    /// that stops once all are found.
    pub fn get<const N: usize>(
        &self,
        names: [&str; N],
        at: At<'_>,
    ) -> Result<[Option<&'a [u8]>; N], ParseError> {
        let mut out: [Option<&'a [u8]>; N] = [None; N];
        let mut missing = N;
        let raw = self.raw;
        let mut i = 0;
        loop {
            while i < raw.len() && raw[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= raw.len() {
                return Ok(out);
            }
            let key_start = i;
            while i < raw.len() && raw[i] != b'=' && !raw[i].is_ascii_whitespace() {
                i += 1;
            }
            let key = &raw[key_start..i];
            while i < raw.len() && raw[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= raw.len() || raw[i] != b'=' {
                return Err(at.error(format!(
                    "malformed XML attribute: expected `=` after `{}`",
                    preview(key)
                )));
            }
            i += 1;
            while i < raw.len() && raw[i].is_ascii_whitespace() {
                i += 1;
            }
            let quote = match raw.get(i) {
                Some(&q @ (b'"' | b'\'')) => q,
                _ => {
                    return Err(at.error(format!(
                        "malformed XML attribute: expected a quoted value for `{}`",
                        preview(key)
                    )));
                }
            };
            let value_start = i + 1;
            let Some(len) = find_byte(quote, &raw[value_start..]) else {
                return Err(at.error(format!(
                    "malformed XML attribute: unterminated value of `{}`",
                    preview(key)
                )));
            };
            let value = &raw[value_start..value_start + len];
            i = value_start + len + 1;
            // Names are a few bytes: compare inline rather than call memcmp.
            let same = |n: &&str| n.len() == key.len() && n.bytes().zip(key).all(|(a, &b)| a == b);
            if let Some(slot) = names.iter().position(same) {
                if out[slot].is_none() {
                    missing -= 1;
                }
                out[slot] = Some(value);
                if missing == 0 {
                    return Ok(out); // the rest are not asked for
                }
            }
        }
    }
}

/// Walk `bytes` as XML, calling `visit` for each element and text node inside
/// the root element, with where the event starts.
pub fn walk<'a>(
    bytes: &'a [u8],
    visit: impl FnMut(Node<'a>, At<'a>) -> Result<Flow, ParseError>,
) -> Result<(), ParseError> {
    walk_span(bytes, 0..bytes.len(), visit)
}

/// [`walk`] over `bytes[span]` only (a subtree), with lines counted in `bytes`.
pub fn walk_span<'a>(
    whole: &'a [u8],
    span: std::ops::Range<usize>,
    mut visit: impl FnMut(Node<'a>, At<'a>) -> Result<Flow, ParseError>,
) -> Result<(), ParseError> {
    let bytes = &whole[..span.end.min(whole.len())];
    // Open elements: (qualified name, offset of the `<`).
    let mut open: Vec<(&'a [u8], usize)> = Vec::new();
    // While skipping an element's content: the depth it was opened at.
    let mut skip_at: Option<usize> = None;
    let mut i = span.start.min(bytes.len());
    let at = |pos: usize| At { bytes: whole, pos };
    let find = |from: usize, what: &[u8], what_name: &str| -> Result<usize, ParseError> {
        memmem::find(&bytes[from..], what)
            .map(|k| from + k)
            .ok_or_else(|| at(from).error(format!("malformed XML: unterminated {what_name}")))
    };
    loop {
        let lt = find_byte(b'<', &bytes[i..]).map(|k| i + k);
        let text_end = lt.unwrap_or(bytes.len());
        let blank = || bytes[i..text_end].iter().all(u8::is_ascii_whitespace);
        if text_end > i && !open.is_empty() && skip_at.is_none() && !blank() {
            let text = Text {
                raw: &bytes[i..text_end],
                cdata: false,
            };
            visit(Node::Text(text), at(i))?;
        }
        let Some(lt) = lt else { break };
        let rest = &bytes[lt..];
        if rest.starts_with(b"<!--") {
            i = find(lt + 4, b"-->", "comment (expected `-->`)")? + 3;
        } else if rest.starts_with(b"<![CDATA[") {
            let end = find(lt + 9, b"]]>", "CDATA section (expected `]]>`)")?;
            if !open.is_empty() && skip_at.is_none() {
                let text = Text {
                    raw: &bytes[lt + 9..end],
                    cdata: true,
                };
                visit(Node::Text(text), at(lt))?;
            }
            i = end + 3;
        } else if rest.starts_with(b"<?") {
            i = find(lt + 2, b"?>", "processing instruction (expected `?>`)")? + 2;
        } else if rest.starts_with(b"<!") {
            i = declaration_end(bytes, lt).map_err(|e| at(lt).error(e))?;
        } else if rest.starts_with(b"</") {
            let name_end = name_end(bytes, lt + 2);
            let name = &bytes[lt + 2..name_end];
            let mut k = name_end;
            while k < bytes.len() && bytes[k].is_ascii_whitespace() {
                k += 1;
            }
            if bytes.get(k) != Some(&b'>') {
                return Err(at(lt).error(format!(
                    "malformed XML: expected `>` to end `</{}`",
                    preview(name)
                )));
            }
            match open.pop() {
                Some((opened, _)) if opened == name => {}
                Some((opened, _)) => {
                    return Err(at(lt).error(format!(
                        "malformed XML: expected `</{}>`, found `</{}>`",
                        preview(opened),
                        preview(name)
                    )));
                }
                None => {
                    return Err(at(lt).error(format!(
                        "malformed XML: `</{}>` closes nothing",
                        preview(name)
                    )));
                }
            }
            if skip_at == Some(open.len()) {
                skip_at = None;
            }
            if skip_at.is_none() {
                visit(
                    Node::Close {
                        name: local(name, at(lt))?,
                    },
                    at(lt),
                )?;
            }
            i = k + 1;
        } else {
            let name_end = name_end(bytes, lt + 1);
            let name = &bytes[lt + 1..name_end];
            if name.is_empty() {
                return Err(at(lt).error("malformed XML: expected an element name after `<`"));
            }
            let gt = tag_end(bytes, name_end).ok_or_else(|| {
                at(lt).error(format!(
                    "malformed XML: unterminated tag `<{}` (expected `>`)",
                    preview(name)
                ))
            })?;
            let empty = gt > name_end && bytes[gt - 1] == b'/';
            let attrs = Attrs {
                raw: &bytes[name_end..if empty { gt - 1 } else { gt }],
            };
            if skip_at.is_none() {
                let node = Node::Open {
                    name: local(name, at(lt))?,
                    attrs,
                    empty,
                };
                if visit(node, at(lt))? == Flow::SkipContent && !empty {
                    skip_at = Some(open.len());
                }
            }
            if !empty {
                open.push((name, lt));
            }
            i = gt + 1;
        }
    }
    if let Some(&(name, pos)) = open.last() {
        return Err(ParseError::at(
            line_of(whole, bytes.len()),
            format!(
                "malformed XML: the input ends inside <{}> (opened at line {}); is the report truncated?",
                preview(name),
                line_of(whole, pos)
            ),
        ));
    }
    Ok(())
}

/// The end of a name starting at `from`.
fn name_end(bytes: &[u8], from: usize) -> usize {
    let mut k = from;
    while k < bytes.len() && !matches!(bytes[k], b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>') {
        k += 1;
    }
    k
}

/// The offset of the `>` ending a start tag whose attributes begin at `from`
/// (a `>` inside a quoted value does not end it). Tags are short: a plain
/// loop beats a vectorised search per quote.
fn tag_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut quote = 0u8;
    for (k, &b) in bytes.iter().enumerate().skip(from) {
        if quote != 0 {
            if b == quote {
                quote = 0;
            }
        } else if b == b'>' {
            return Some(k);
        } else if b == b'"' || b == b'\'' {
            quote = b;
        }
    }
    None
}

/// The first `needle` in `hay`: a plain loop over the first bytes (the
/// usual distance is a few bytes), then a vectorised search.
fn find_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    const NEAR: usize = 16;
    let near = hay.len().min(NEAR);
    if let Some(k) = hay[..near].iter().position(|&b| b == needle) {
        return Some(k);
    }
    memchr(needle, &hay[near..]).map(|k| near + k)
}

/// The offset after a `<!DOCTYPE …>`-style declaration starting at `lt`
/// (an internal subset in `[…]` and quoted strings may hold `>`).
fn declaration_end(bytes: &[u8], lt: usize) -> Result<usize, &'static str> {
    let mut depth = 0usize;
    let mut k = lt + 2;
    while k < bytes.len() {
        match bytes[k] {
            b'"' | b'\'' => match memchr(bytes[k], &bytes[k + 1..]) {
                Some(len) => k += len + 1,
                None => break,
            },
            b'[' => depth += 1,
            b']' => depth = depth.saturating_sub(1),
            b'>' if depth == 0 => return Ok(k + 1),
            _ => {}
        }
        k += 1;
    }
    Err("malformed XML: unterminated declaration `<!…` (expected `>`)")
}

/// The local part of an element name (`cov:line` -> `line`), as text.
fn local<'a>(name: &'a [u8], at: At<'_>) -> Result<&'a str, ParseError> {
    let local = match memchr::memrchr(b':', name) {
        Some(k) => &name[k + 1..],
        None => name,
    };
    std::str::from_utf8(local).map_err(|_| at.error("malformed XML: an element name is not UTF-8"))
}

/// The 1-based line of byte offset `pos`.
pub fn line_of(bytes: &[u8], pos: usize) -> u64 {
    let end = pos.min(bytes.len());
    memchr::memchr_iter(b'\n', &bytes[..end]).count() as u64 + 1
}

/// Resolve entity references; in attribute values (`attribute`), also turn
/// tabs and line breaks into spaces, as XML attribute normalisation does.
fn unescape(raw: &[u8], attribute: bool) -> Result<Cow<'_, str>, String> {
    let text = std::str::from_utf8(raw).map_err(|_| "expected UTF-8 text".to_string())?;
    let needs_normalising = attribute && text.bytes().any(|b| matches!(b, b'\t' | b'\r' | b'\n'));
    if !text.contains('&') && !needs_normalising {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';').filter(|&k| k <= 10) else {
            out.push('&'); // not a reference: kept as written
            rest = after;
            continue;
        };
        let entity = &after[..semi];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = entity.strip_prefix('#') {
                    dec.parse::<u32>().ok()
                } else {
                    None
                };
                match code.and_then(char::from_u32) {
                    Some(c) => c,
                    None => {
                        // An entity the DTD defines: kept as written.
                        out.push('&');
                        rest = after;
                        continue;
                    }
                }
            }
        };
        out.push(c);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    if needs_normalising {
        out = out.replace(['\t', '\r', '\n'], " ");
    }
    Ok(Cow::Owned(out))
}

/// A text attribute value, entity references resolved.
pub fn text<'v>(
    value: &'v [u8],
    element: &str,
    attr: &str,
    at: At<'_>,
) -> Result<Cow<'v, str>, ParseError> {
    unescape(value, true).map_err(|e| {
        at.error(format!(
            "malformed XML attribute `{attr}` on <{element}>: {e}"
        ))
    })
}

/// A required line-number attribute, with a message naming the element on failure.
pub fn line_number(
    value: Option<&[u8]>,
    element: &str,
    attr: &str,
    at: At<'_>,
) -> Result<u32, ParseError> {
    let Some(v) = value else {
        return Err(at.error(format!("expected attribute `{attr}` on <{element}>")));
    };
    if let Some(n) = digits(v).and_then(|n| u32::try_from(n).ok()) {
        return Ok(n);
    }
    // Rare spellings: surrounding spaces, a `+`, character references.
    let parsed = unescape(v, true)
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok());
    parsed.ok_or_else(|| {
        at.error(format!(
            "expected a number in <{element} {attr}=\"…\">, found `{}`",
            preview(v)
        ))
    })
}

/// An optional count attribute (missing: `None`; present but not a count: error).
pub fn count(
    value: Option<&[u8]>,
    element: &str,
    attr: &str,
    at: At<'_>,
) -> Result<Option<u64>, ParseError> {
    let Some(v) = value else { return Ok(None) };
    if let Some(n) = digits(v) {
        return Ok(Some(n));
    }
    let parsed = unescape(v, true)
        .ok()
        .and_then(|s| super::lcov::parse_count(s.as_bytes()));
    parsed.map(Some).ok_or_else(|| {
        at.error(format!(
            "expected a count in <{element} {attr}=\"…\">, found `{}`",
            preview(v)
        ))
    })
}

/// Plain ASCII digits (at most 19, so no overflow) as a number.
fn digits(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 19 {
        return None;
    }
    let mut n = 0u64;
    for &b in v {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    Some(n)
}

fn preview(b: &[u8]) -> String {
    super::lcov::preview(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every event as a string, for comparing walks.
    fn events(xml: &str) -> Result<Vec<String>, ParseError> {
        let mut out = Vec::new();
        walk(xml.as_bytes(), |node, at| {
            out.push(match node {
                Node::Open { name, attrs, empty } => {
                    let [a] = attrs.get(["a"], at)?;
                    let a = a.map(|v| text(v, name, "a", at)).transpose()?;
                    format!("open {name} a={a:?} empty={empty} line={}", at.line())
                }
                Node::Close { name } => format!("close {name}"),
                Node::Text(t) => format!("text {:?}", t.value().map_err(|e| at.error(e))?),
            });
            Ok(Flow::Continue)
        })?;
        Ok(out)
    }

    #[test]
    fn reads_the_parts_of_xml_that_reports_use() {
        let xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE r [ <!ENTITY x \"y>\"> ]>\n<!-- a <comment> -->\n<p:r xmlns:p=\"u\">\n<e a='1 &gt; 0 &amp;&#x41;&#66;' b=\"x>y\"/><![CDATA[<raw> & ]]>t&lt;\n<e\na=\"two\tparts\"></e></p:r>";
        let got = events(xml).expect("walks");
        assert_eq!(
            got,
            vec![
                "open r a=None empty=false line=4",
                "open e a=Some(\"1 > 0 &AB\") empty=true line=5",
                "text \"<raw> & \"",
                "text \"t<\\n\"",
                "open e a=Some(\"two parts\") empty=false line=6",
                "close e",
                "close r",
            ]
        );
    }

    #[test]
    fn malformed_input_names_the_line() {
        for (xml, line, what) in [
            ("<r>\n<a>\n</b>\n</r>", 3, "expected `</a>`"),
            ("<r>\n<a>\n", 3, "ends inside <a> (opened at line 2)"),
            ("<r>\n<!-- open\n</r>", 2, "unterminated comment"),
            ("<r>\n<a b=\"1></r>", 2, "unterminated tag"),
            ("<r>\n</r></r>", 2, "closes nothing"),
            ("<r>\n<a b></a></r>", 2, "expected `=`"),
            ("<r>\n<a b=1></a></r>", 2, "quoted value"),
        ] {
            let err = events(xml).expect_err(xml);
            assert_eq!(err.line, line, "{xml}: {err}");
            assert!(err.message.contains(what), "{xml}: {err}");
        }
    }

    #[test]
    fn skipped_content_is_checked_but_not_reported() {
        let xml = "<r><m><x/><y>t</y></m><z/></r>";
        let mut seen = Vec::new();
        walk(xml.as_bytes(), |node, _| {
            Ok(match node {
                Node::Open { name, .. } => {
                    seen.push(format!("open {name}"));
                    if name == "m" {
                        Flow::SkipContent
                    } else {
                        Flow::Continue
                    }
                }
                Node::Close { name } => {
                    seen.push(format!("close {name}"));
                    Flow::Continue
                }
                Node::Text(_) => Flow::Continue,
            })
        })
        .expect("walks");
        assert_eq!(
            seen,
            vec!["open r", "open m", "close m", "open z", "close r"]
        );
        assert!(walk(b"<r><m><x></m></r>", |_, _| Ok(Flow::SkipContent)).is_err());
    }

    #[test]
    fn numbers_from_bytes() {
        let at = At { bytes: b"", pos: 0 };
        assert_eq!(line_number(Some(b"42"), "line", "nr", at).ok(), Some(42));
        assert_eq!(line_number(Some(b" 7 "), "line", "nr", at).ok(), Some(7));
        assert_eq!(line_number(Some(b"&#53;"), "line", "nr", at).ok(), Some(5));
        assert!(line_number(Some(b"x"), "line", "nr", at).is_err());
        assert!(line_number(Some(b"99999999999"), "line", "nr", at).is_err());
        assert_eq!(count(Some(b"12"), "line", "hits", at).ok(), Some(Some(12)));
        assert_eq!(count(Some(b"-3"), "line", "hits", at).ok(), Some(Some(0)));
        assert_eq!(count(Some(b"2.5"), "line", "hits", at).ok(), Some(Some(3)));
        assert_eq!(count(None, "line", "hits", at).ok(), Some(None));
        assert!(count(Some(b"many"), "line", "hits", at).is_err());
    }

    #[test]
    fn no_panic_on_mutated_reports() {
        // A cheap, deterministic stand-in for the fuzz target: cut and
        // corrupt a report at many places; the walk may fail, never panic.
        let base = b"<?xml version=\"1.0\"?><!DOCTYPE c [<!ENTITY e 'v'>]><c><s><![CDATA[x]]></s><!-- c --><k f=\"a&amp;b\" n='1'><l n=\"1\" h=\"2\"/></k></c>";
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for cut in 0..base.len() {
            let _ = walk(&base[..cut], |node, at| {
                if let Node::Open { attrs, .. } = node {
                    attrs.get(["f", "n"], at)?;
                }
                Ok(Flow::Continue)
            });
            let mut v = base.to_vec();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let b = b"<>/'\"&;=![]-? x"[(state % 15) as usize];
            v[cut] = b;
            let _ = walk(&v, |node, at| {
                match node {
                    Node::Open { attrs, .. } => {
                        let [f, n] = attrs.get(["f", "n"], at)?;
                        if let Some(f) = f {
                            let _ = text(f, "k", "f", at);
                        }
                        let _ = count(n, "k", "n", at);
                    }
                    Node::Text(t) => {
                        let _ = t.value();
                    }
                    Node::Close { .. } => {}
                }
                Ok(Flow::Continue)
            });
        }
    }
}
