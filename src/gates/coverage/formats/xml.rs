//! Small helpers shared by the XML report parsers (Cobertura, JaCoCo, Clover):
//! a streaming event walk over quick-xml with errors turned into file lines.

use crate::gates::coverage::model::ParseError;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::borrow::Cow;

/// What the walk hands to a parser.
pub enum Node<'n> {
    /// An opening tag (`empty`: it was `<x/>`, and no `Close` follows).
    Open {
        name: &'n str,
        element: &'n BytesStart<'n>,
        empty: bool,
    },
    Close {
        name: &'n str,
    },
    /// Character data (entities resolved).
    Text(Cow<'n, str>),
}

/// Walk `bytes` as XML, calling `visit` for each element and text node.
/// `visit` gets the 1-based line of the event for its own error messages.
pub fn walk(
    bytes: &[u8],
    mut visit: impl FnMut(Node<'_>, &dyn Fn() -> u64) -> Result<(), ParseError>,
) -> Result<(), ParseError> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(false);
    let (mut counted_upto, mut counted_lines) = (0usize, 1u64);
    loop {
        let before = reader.buffer_position();
        // Count newlines incrementally (once over the whole input), so that
        // asking for the line of every element stays linear.
        let upto = usize::try_from(before)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        if upto > counted_upto {
            counted_lines += bytes[counted_upto..upto]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            counted_upto = upto;
        }
        let line_now = counted_lines;
        let line_here = move || line_now;
        let event = reader.read_event().map_err(|e| {
            let pos = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
            ParseError::at(line_of(bytes, pos as u64), format!("malformed XML: {e}"))
        })?;
        match event {
            Event::Start(e) => {
                let name = local(e.name().into_inner());
                visit(
                    Node::Open {
                        name,
                        element: &e,
                        empty: false,
                    },
                    &line_here,
                )?;
            }
            Event::Empty(e) => {
                let name = local(e.name().into_inner());
                visit(
                    Node::Open {
                        name,
                        element: &e,
                        empty: true,
                    },
                    &line_here,
                )?;
            }
            Event::End(e) => {
                let name = local(e.name().into_inner());
                visit(Node::Close { name }, &line_here)?;
            }
            Event::Text(t) => visit(Node::Text(t.into_inner()), &line_here)?,
            Event::CData(t) => {
                visit(
                    Node::Text(Cow::Owned(t.into_inner().into_owned())),
                    &line_here,
                )?;
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => match &*r {
                        "amp" => "&".into(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        other => format!("&{other};"),
                    },
                };
                visit(Node::Text(Cow::Owned(resolved)), &line_here)?;
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// The 1-based line of byte offset `pos`.
pub fn line_of(bytes: &[u8], pos: u64) -> u64 {
    let end = usize::try_from(pos).unwrap_or(usize::MAX).min(bytes.len());
    bytes[..end].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// The values of the attributes `names` of `element` (one pass), unescaped.
pub fn attrs<'e, const N: usize>(
    element: &'e BytesStart<'_>,
    names: [&str; N],
    line: u64,
) -> Result<[Option<Cow<'e, str>>; N], ParseError> {
    let mut out: [Option<Cow<'e, str>>; N] = std::array::from_fn(|_| None);
    for attr in element.attributes().with_checks(false) {
        let attr =
            attr.map_err(|e| ParseError::at(line, format!("malformed XML attribute: {e}")))?;
        let key = attr.key.into_inner();
        if let Some(i) = names.iter().position(|n| *n == key) {
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| {
                    ParseError::at(line, format!("malformed XML attribute `{key}`: {e}"))
                })?;
            out[i] = Some(value);
        }
    }
    Ok(out)
}

/// A required numeric attribute, with a message naming the element on failure.
pub fn number<T: std::str::FromStr>(
    value: Option<&Cow<'_, str>>,
    element: &str,
    attr: &str,
    line: u64,
) -> Result<T, ParseError> {
    let Some(v) = value else {
        return Err(ParseError::at(
            line,
            format!("expected attribute `{attr}` on <{element}>"),
        ));
    };
    v.trim().parse::<T>().map_err(|_| {
        ParseError::at(
            line,
            format!(
                "expected a number in <{element} {attr}=\"…\">, found `{}`",
                super::lcov::preview(v.as_bytes())
            ),
        )
    })
}

/// An optional count attribute (missing: `None`; present but not a count: error).
pub fn count(
    value: Option<&Cow<'_, str>>,
    element: &str,
    attr: &str,
    line: u64,
) -> Result<Option<u64>, ParseError> {
    match value {
        None => Ok(None),
        Some(v) => super::lcov::parse_count(v.as_bytes())
            .map(Some)
            .ok_or_else(|| {
                ParseError::at(
                    line,
                    format!(
                        "expected a count in <{element} {attr}=\"…\">, found `{}`",
                        super::lcov::preview(v.as_bytes())
                    ),
                )
            }),
    }
}
