//! Reading a JUnit report back (`evtwin report merge`): the XML into a small
//! element tree, the tree into a [`SuiteReport`].

use evtwin_scenario::FaultRecord;
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};

use crate::junit::decode;
use crate::model::{Outcome, ScenarioMeta, ScenarioReport, SuiteReport, TestCase};

/// Why a JUnit report could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not well-formed XML.
    #[error("not well-formed XML at byte {at}: {why}")]
    Xml {
        /// Byte offset.
        at: u64,
        /// What the parser said.
        why: String,
    },
    /// Well-formed, but not a JUnit report.
    #[error("not a JUnit report: {0}")]
    Shape(String),
}

#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Element>,
    text: String,
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
}

fn xml_err(at: u64, why: impl std::fmt::Display) -> ReadError {
    ReadError::Xml {
        at,
        why: why.to_string(),
    }
}

fn start(e: &BytesStart<'_>, at: u64) -> Result<Element, ReadError> {
    let mut el = Element {
        name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
        ..Element::default()
    };
    for a in e.attributes() {
        let a = a.map_err(|x| xml_err(at, x))?;
        let v = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|x| xml_err(at, x))?;
        el.attrs.push((
            String::from_utf8_lossy(a.key.as_ref()).into_owned(),
            v.into_owned(),
        ));
    }
    Ok(el)
}

fn parse(xml: &str) -> Result<Element, ReadError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Element> = vec![Element::default()];
    loop {
        let at = reader.buffer_position();
        let ev = reader.read_event().map_err(|e| xml_err(at, e))?;
        match ev {
            Event::Start(e) => stack.push(start(&e, at)?),
            Event::Empty(e) => {
                let el = start(&e, at)?;
                if let Some(top) = stack.last_mut() {
                    top.children.push(el);
                }
            }
            Event::End(_) => {
                let el = stack
                    .pop()
                    .ok_or_else(|| xml_err(at, "unbalanced end tag"))?;
                let top = stack
                    .last_mut()
                    .ok_or_else(|| xml_err(at, "unbalanced end tag"))?;
                top.children.push(el);
            }
            Event::Text(t) => {
                let s = t.xml10_content().map_err(|e| xml_err(at, e))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&s);
                }
            }
            Event::CData(t) => {
                let s = t.decode().map_err(|e| xml_err(at, e))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&s);
                }
            }
            Event::GeneralRef(r) => {
                let c = if let Some(c) = r.resolve_char_ref().map_err(|e| xml_err(at, e))? {
                    c.to_string()
                } else {
                    let name = r.decode().map_err(|e| xml_err(at, e))?;
                    resolve_predefined_entity(&name)
                        .ok_or_else(|| xml_err(at, format!("unknown entity &{name};")))?
                        .to_owned()
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&c);
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    let mut root = stack.pop().filter(|_| stack.is_empty()).ok_or_else(|| {
        xml_err(
            u64::try_from(xml.len()).unwrap_or(u64::MAX),
            "unclosed element",
        )
    })?;
    root.children
        .pop()
        .filter(|_| root.children.is_empty())
        .ok_or_else(|| ReadError::Shape("expected one root element".into()))
}

/// Reads a JUnit report that `evtwin suite` wrote (another tool's reports are
/// read as far as they go: a suite without evtwin's properties keeps its name
/// as its key).
pub fn read(xml: &str) -> Result<SuiteReport, ReadError> {
    let root = parse(xml)?;
    let suites: Vec<&Element> = match root.name.as_str() {
        "testsuites" => root.children("testsuite").collect(),
        "testsuite" => vec![&root],
        other => {
            return Err(ReadError::Shape(format!(
                "the root element is <{other}>, not <testsuites>"
            )));
        }
    };
    let scenarios = suites
        .into_iter()
        .map(scenario)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SuiteReport {
        name: root.attr("name").unwrap_or("evtwin").to_owned(),
        scenarios,
    })
}

fn number<T: std::str::FromStr>(v: &str, what: &str) -> Result<T, ReadError> {
    v.parse()
        .map_err(|_| ReadError::Shape(format!("{what} = `{v}` is not a number")))
}

fn opt_number(v: &str, what: &str) -> Result<Option<f64>, ReadError> {
    if v.is_empty() {
        Ok(None)
    } else {
        number(v, what).map(Some)
    }
}

fn scenario(el: &Element) -> Result<ScenarioReport, ReadError> {
    let name = el
        .attr("name")
        .ok_or_else(|| ReadError::Shape("a <testsuite> without a name".into()))?
        .to_owned();
    let props: Vec<(&str, String)> = el
        .child("properties")
        .map(|p| {
            p.children("property")
                .map(|p| {
                    (
                        p.attr("name").unwrap_or(""),
                        p.attr("value").unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let prop = |k: &str| props.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
    let mut faults = Vec::new();
    while let Some(fname) = prop(&format!("fault.{}.name", faults.len())) {
        let i = faults.len();
        let get = |f: &str| prop(&format!("fault.{i}.{f}")).unwrap_or("");
        faults.push(FaultRecord {
            name: fname.to_owned(),
            kind: get("kind").to_owned(),
            start_s: opt_number(get("start_s"), "fault start_s")?,
            end_s: opt_number(get("end_s"), "fault end_s")?,
            description: get("description").to_owned(),
        });
    }
    let meta = ScenarioMeta {
        key: prop("file").unwrap_or(&name).to_owned(),
        name,
        description: prop("description").map(str::to_owned),
        seed: prop("seed").map_or(Ok(0), |s| number(s, "seed"))?,
        scenario_sha256: prop("scenario_sha256").unwrap_or("").to_owned(),
        should_fail: prop("should_fail") == Some("true"),
    };
    let testcases = el
        .children("testcase")
        .map(testcase)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ScenarioReport {
        meta,
        status: prop("status").unwrap_or("").to_owned(),
        duration_s: prop("duration_s").map_or(Ok(0.0), |s| number(s, "duration_s"))?,
        wall_s: el.attr("time").map_or(Ok(0.0), |s| number(s, "time"))?,
        testcases,
        faults,
        stdout: el
            .child("system-out")
            .map(|e| e.text.clone())
            .unwrap_or_default(),
        stderr: el
            .child("system-err")
            .map(|e| e.text.clone())
            .unwrap_or_default(),
        recording: None,
    })
}

fn testcase(el: &Element) -> Result<TestCase, ReadError> {
    let name = el
        .attr("name")
        .ok_or_else(|| ReadError::Shape("a <testcase> without a name".into()))?;
    let message = |e: &Element| e.attr("message").unwrap_or(&e.text).to_owned();
    let outcome = if let Some(f) = el.child("failure") {
        Outcome::Failed(message(f))
    } else if let Some(e) = el.child("error") {
        Outcome::Error(message(e))
    } else if let Some(s) = el.child("skipped") {
        Outcome::Skipped(message(s))
    } else {
        Outcome::Passed
    };
    let out = el.child("system-out").map_or("", |e| e.text.as_str());
    let fields: Vec<(&str, String)> = out
        .lines()
        .filter_map(|l| {
            l.split_once(": ")
                .or_else(|| l.strip_suffix(':').map(|k| (k, "")))
        })
        .map(|(k, v)| (k, decode(v)))
        .collect();
    let field = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| *n == k)
            .map_or("", |(_, v)| v.as_str())
    };
    let window_s = match field("window_s").split_once(' ') {
        Some((a, b)) => Some((number(a, "window_s")?, number(b, "window_s")?)),
        None => None,
    };
    Ok(TestCase {
        name: name.to_owned(),
        description: field("description").to_owned(),
        outcome,
        measured: opt_number(field("measured_value"), "measured_value")?,
        measured_text: field("measured").to_owned(),
        bound_text: field("bound").to_owned(),
        decided_at_s: opt_number(field("decided_at_s"), "decided_at_s")?,
        window_s,
        message: field("message").to_owned(),
    })
}
