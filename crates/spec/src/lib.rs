//! OpenAPI 2.0 (Swagger), 3.0 and 3.1 documents, in JSON or YAML, read into one
//! normalised [`ApiModel`]: operations, parameters, request and response schemas,
//! security requirements and schemes, servers and deprecation.
//!
//! This crate parses bytes and fetches nothing. Files that the document references
//! (`$ref: common.yaml#/Pet`) are read through a [`Loader`] the caller supplies;
//! [`no_files`] refuses them all, [`dir_loader`] reads them from a directory. Remote
//! references (`https://…`) are never fetched: they stay unresolved, with a warning.
//!
//! ```
//! let doc = br#"{"openapi":"3.0.3","info":{"title":"t","version":"1"},
//!   "paths":{"/pets/{id}":{"get":{"parameters":[{"name":"id","in":"path","required":true,
//!   "schema":{"type":"integer"}}],"responses":{"200":{"description":"ok"}}}}}}"#;
//! let api = tollgate_spec::parse(doc, tollgate_spec::no_files).expect("valid");
//! assert_eq!(api.operations[0].path, "/pets/{id}");
//! ```

mod build;
pub mod error;
pub mod example;
mod load;
pub mod model;
mod resolve;
mod schema;

pub use error::SpecError;
pub use model::*;
pub use resolve::Loader;

use std::path::{Component, Path, PathBuf};

/// Reads an OpenAPI 2.0/3.0/3.1 document (JSON or YAML) into the normalised model.
///
/// `loader` reads the files the document references, by their path relative to the
/// document's directory; pass [`no_files`] when there are none (or none may be read).
///
/// # Errors
/// Malformed JSON/YAML (with the line), a document that is not OpenAPI, an
/// unsupported version, a part with the wrong shape (with its JSON pointer), a
/// document without operations (with the reason), or one past the size limits.
/// Never panics, whatever the bytes.
pub fn parse<L: Loader>(bytes: &[u8], mut loader: L) -> Result<ApiModel, SpecError> {
    let root = load::parse_value(bytes, "")?;
    let (version, version_string) = build::version_of(&root)?;
    let docs = resolve::Docs::new(root, &mut loader);
    build::Builder::new(docs, version).build(version_string)
}

/// A loader that reads no file: every external reference stays unresolved.
pub fn no_files(path: &str) -> Result<Vec<u8>, String> {
    Err(format!(
        "`{path}`: this document was given without its directory, so referenced files are not read"
    ))
}

/// A loader reading referenced files from `dir` (the main document's directory).
/// Paths are taken relative to it; absolute paths are refused, and so is anything
/// larger than the document size limit.
pub fn dir_loader(dir: impl Into<PathBuf>) -> impl FnMut(&str) -> Result<Vec<u8>, String> {
    let dir = dir.into();
    move |path: &str| {
        let rel = Path::new(path);
        if rel.is_absolute() || rel.components().any(|c| matches!(c, Component::Prefix(_))) {
            return Err(format!(
                "`{path}` is absolute; only relative references are read"
            ));
        }
        let full = dir.join(rel);
        let meta = std::fs::metadata(&full).map_err(|e| format!("{}: {e}", full.display()))?;
        if meta.len() > load::MAX_BYTES as u64 {
            return Err(format!(
                "{} is larger than {} bytes",
                full.display(),
                load::MAX_BYTES
            ));
        }
        std::fs::read(&full).map_err(|e| format!("{}: {e}", full.display()))
    }
}
