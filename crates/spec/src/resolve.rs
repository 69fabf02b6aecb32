//! `$ref` resolution across the main document and the files it references.
//!
//! A reference is `file#/json/pointer`, `#/json/pointer` or `file`. Files are named
//! relative to the referring file and read through the caller's loader; remote URLs
//! are never fetched (they stay unresolved, with a warning).

use crate::error::SpecError;
use crate::load;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Most files one parse reads besides the main document.
pub const MAX_FILES: usize = 256;
/// Most hops a chain of references may take.
pub const MAX_HOPS: usize = 256;

/// Reads a referenced file. The argument is the file's path relative to the main
/// document's directory (`schemas/pet.yaml`, `../common.yaml`); the answer is its
/// bytes or why it could not be read.
pub trait Loader {
    fn load(&mut self, path: &str) -> Result<Vec<u8>, String>;
}

impl<F> Loader for F
where
    F: FnMut(&str) -> Result<Vec<u8>, String>,
{
    fn load(&mut self, path: &str) -> Result<Vec<u8>, String> {
        self(path)
    }
}

/// A followed reference: the document holding the final value, its location, and
/// the locations passed on the way (each holding just another `$ref`).
pub type Followed = (Rc<Value>, Loc, Vec<Loc>);

/// A position in one of the documents.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Loc {
    /// `""` for the main document.
    pub file: String,
    /// A JSON pointer (`""` for the whole document).
    pub pointer: String,
}

impl Loc {
    pub fn child(&self, key: &str) -> Loc {
        Loc {
            file: self.file.clone(),
            pointer: format!("{}/{}", self.pointer, escape(key)),
        }
    }

    pub fn index(&self, i: usize) -> Loc {
        Loc {
            file: self.file.clone(),
            pointer: format!("{}/{i}", self.pointer),
        }
    }

    /// `pointer`, or `file#pointer` outside the main document; `/` for the root.
    pub fn display(&self) -> String {
        let p = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        if self.file.is_empty() {
            p.to_string()
        } else {
            format!("{}#{p}", self.file)
        }
    }
}

/// JSON-pointer escaping of one key.
pub fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The documents read so far.
pub struct Docs<'l> {
    docs: HashMap<String, Rc<Value>>,
    failed: HashMap<String, String>,
    loader: &'l mut dyn Loader,
}

impl<'l> Docs<'l> {
    pub fn new(root: Value, loader: &'l mut dyn Loader) -> Docs<'l> {
        let mut docs = HashMap::new();
        docs.insert(String::new(), Rc::new(root));
        Docs {
            docs,
            failed: HashMap::new(),
            loader,
        }
    }

    pub fn root(&self) -> Rc<Value> {
        self.docs
            .get("")
            .cloned()
            .unwrap_or_else(|| Rc::new(Value::Null))
    }

    /// The document `file`, loading it on first use. `Err` says why it is unavailable;
    /// a file that is not JSON/YAML at all is a hard error.
    fn doc(&mut self, file: &str) -> Result<Result<Rc<Value>, String>, SpecError> {
        if let Some(d) = self.docs.get(file) {
            return Ok(Ok(Rc::clone(d)));
        }
        if let Some(why) = self.failed.get(file) {
            return Ok(Err(why.clone()));
        }
        if self.docs.len() > MAX_FILES {
            return Err(SpecError::TooLarge {
                reason: format!("it references more than {MAX_FILES} files"),
            });
        }
        match self.loader.load(file) {
            Ok(bytes) => {
                let value = Rc::new(load::parse_value(&bytes, file)?);
                self.docs.insert(file.to_string(), Rc::clone(&value));
                Ok(Ok(value))
            }
            Err(why) => {
                self.failed.insert(file.to_string(), why.clone());
                Ok(Err(why))
            }
        }
    }

    /// Where a `$ref` found at `from` points, without reading anything.
    pub fn target(from: &Loc, reference: &str) -> Result<Loc, String> {
        let (file, fragment) = match reference.split_once('#') {
            Some((f, frag)) => (f, frag),
            None => (reference, ""),
        };
        if file.contains("://") || file.starts_with("//") {
            return Err(format!("remote reference `{reference}` is not fetched"));
        }
        let file = if file.is_empty() {
            from.file.clone()
        } else {
            join(&from.file, file)
        };
        let fragment = percent_decode(fragment);
        if !(fragment.is_empty() || fragment.starts_with('/')) {
            return Err(format!(
                "reference `{reference}` uses an anchor, not a JSON pointer"
            ));
        }
        Ok(Loc {
            file,
            pointer: fragment,
        })
    }

    /// The value at a location: `Ok(Err(why))` when it does not exist.
    pub fn get(&mut self, loc: &Loc) -> Result<Result<(Rc<Value>, Loc), String>, SpecError> {
        let doc = match self.doc(&loc.file)? {
            Ok(d) => d,
            Err(why) => return Ok(Err(format!("file `{}` could not be read: {why}", loc.file))),
        };
        if doc.pointer(&loc.pointer).is_none() {
            return Ok(Err(format!("nothing at {}", loc.display())));
        }
        Ok(Ok((doc, loc.clone())))
    }

    /// Follows `$ref` from `loc` (whose value is `value`) until a value without one,
    /// bounded in hops and refusing cycles. Returns the document holding the final
    /// value and its location; `Ok(Err(why))` for a dangling or cyclic reference.
    pub fn follow(
        &mut self,
        loc: &Loc,
        value: &Value,
    ) -> Result<Result<(Rc<Value>, Loc), String>, SpecError> {
        Ok(self.follow_chain(loc, value)?.map(|(doc, at, _)| (doc, at)))
    }

    /// [`Docs::follow`], also returning the intermediate locations it passed (each
    /// holding just another `$ref`), so callers can remember them.
    pub fn follow_chain(
        &mut self,
        loc: &Loc,
        value: &Value,
    ) -> Result<Result<Followed, String>, SpecError> {
        let Some(mut reference) = ref_of(value).map(str::to_string) else {
            return Ok(self.get(loc)?.map(|(d, l)| (d, l, Vec::new())));
        };
        let mut here = loc.clone();
        let mut seen = HashSet::from([here.clone()]);
        let mut passed = Vec::new();
        for _ in 0..MAX_HOPS {
            let target = match Docs::target(&here, &reference) {
                Ok(t) => t,
                Err(why) => return Ok(Err(why)),
            };
            if seen.contains(&target) {
                return Ok(Err(format!(
                    "reference cycle through {} with nothing else in it",
                    target.display()
                )));
            }
            let (doc, at) = match self.get(&target)? {
                Ok(found) => found,
                Err(why) => return Ok(Err(format!("`{reference}` at {}: {why}", here.display()))),
            };
            let next = doc
                .pointer(&at.pointer)
                .and_then(ref_of)
                .map(str::to_string);
            match next {
                Some(r) => {
                    seen.insert(at.clone());
                    passed.push(at.clone());
                    here = at;
                    reference = r;
                }
                None => return Ok(Ok((doc, at, passed))),
            }
        }
        Ok(Err(format!(
            "more than {MAX_HOPS} chained references from {}",
            loc.display()
        )))
    }
}

/// The `$ref` of an object, if it has one.
pub fn ref_of(value: &Value) -> Option<&str> {
    value.as_object()?.get("$ref")?.as_str()
}

/// `base`'s directory joined with `rel`, with `.` and `..` folded.
fn join(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = if rel.starts_with('/') {
        Vec::new()
    } else {
        let mut p: Vec<&str> = base.split('/').collect();
        p.pop();
        p
    };
    let mut leading_up = 0;
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    leading_up += 1;
                }
            }
            s => parts.push(s),
        }
    }
    let mut out: Vec<&str> = std::iter::repeat_n("..", leading_up).collect();
    out.extend(parts.into_iter().filter(|p| !p.is_empty()));
    let joined = out.join("/");
    if rel.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes.get(i), bytes.get(i + 1), bytes.get(i + 2)) {
            (Some(b'%'), Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let v = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(u8::try_from(v).unwrap_or(b'?'));
                i += 3;
            }
            (Some(&b), _, _) => {
                out.push(b);
                i += 1;
            }
            _ => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_relative_paths() {
        assert_eq!(join("", "a.yaml"), "a.yaml");
        assert_eq!(join("dir/x.yaml", "./y.yaml"), "dir/y.yaml");
        assert_eq!(join("dir/x.yaml", "../y.yaml"), "y.yaml");
        assert_eq!(join("x.yaml", "../y.yaml"), "../y.yaml");
        assert_eq!(join("a/b/c.yaml", "../../d/e.yaml"), "d/e.yaml");
    }

    #[test]
    fn targets() {
        let root = Loc {
            file: String::new(),
            pointer: "/paths".into(),
        };
        let t = Docs::target(&root, "#/components/schemas/A%20B").expect("local");
        assert_eq!(
            (t.file.as_str(), t.pointer.as_str()),
            ("", "/components/schemas/A B")
        );
        let in_file = Loc {
            file: "dir/a.yaml".into(),
            pointer: String::new(),
        };
        let t = Docs::target(&in_file, "b.yaml#/X").expect("file");
        assert_eq!((t.file.as_str(), t.pointer.as_str()), ("dir/b.yaml", "/X"));
        let t = Docs::target(&in_file, "#/Y").expect("same file");
        assert_eq!(t.file, "dir/a.yaml");
        assert!(Docs::target(&root, "https://example.com/s.json#/A").is_err());
        assert!(Docs::target(&root, "#anchor").is_err());
    }

    #[test]
    fn pointer_escapes() {
        assert_eq!(escape("/pets/{id}"), "~1pets~1{id}");
        assert_eq!(escape("a~b"), "a~0b");
    }
}
