//! Why a document could not be read.

/// Why a document could not be read into an [`crate::ApiModel`]. Every variant says
/// where (a line, or a JSON pointer) and what to do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// The bytes are not JSON (the document starts with `{`).
    #[error("{file}not valid JSON at line {line}, column {column}: {message}")]
    Json {
        file: FileLabel,
        line: usize,
        column: usize,
        message: String,
    },
    /// The bytes are not YAML.
    #[error("{file}not valid YAML{}: {message}", at_line(*line, *column))]
    Yaml {
        file: FileLabel,
        /// 1-based; 0 when the parser gave no position.
        line: usize,
        column: usize,
        message: String,
    },
    /// Valid JSON/YAML, but not an OpenAPI or Swagger document.
    #[error("not an OpenAPI document: {reason}; pass an OpenAPI 2.0, 3.0 or 3.1 document (JSON or YAML)")]
    NotOpenApi { reason: String },
    /// An `openapi`/`swagger` version this crate does not read.
    #[error("unsupported OpenAPI version `{version}` at /{field}: tollgate reads Swagger 2.0 and OpenAPI 3.0.x and 3.1.x")]
    UnsupportedVersion { field: String, version: String },
    /// A part of the document has the wrong shape.
    #[error("invalid document at {pointer}: {message}")]
    Invalid { pointer: String, message: String },
    /// The document parsed but describes no operation to scan.
    #[error("the document describes no operations: {reason}")]
    NoOperations { reason: String },
    /// Past a size limit (bytes, files or schemas).
    #[error("the document is too large: {reason}")]
    TooLarge { reason: String },
}

impl SpecError {
    /// The JSON pointer of the problem, when it has one.
    pub fn pointer(&self) -> Option<&str> {
        match self {
            SpecError::Invalid { pointer, .. } => Some(pointer),
            _ => None,
        }
    }

    /// The 1-based line of the problem, when it has one.
    pub fn line(&self) -> Option<usize> {
        match self {
            SpecError::Json { line, .. } => Some(*line),
            SpecError::Yaml { line, .. } if *line > 0 => Some(*line),
            _ => None,
        }
    }

    pub(crate) fn invalid(pointer: &str, message: impl Into<String>) -> SpecError {
        SpecError::Invalid {
            pointer: if pointer.is_empty() {
                "/".into()
            } else {
                pointer.into()
            },
            message: message.into(),
        }
    }
}

fn at_line(line: usize, column: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(" at line {line}, column {column}")
    }
}

/// Which file an error is in: empty for the main document, `path: ` for a
/// referenced one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileLabel(pub String);

impl std::fmt::Display for FileLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            Ok(())
        } else {
            write!(f, "{}: ", self.0)
        }
    }
}
