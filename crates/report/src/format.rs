//! The output formats and their names on the command line.

use std::fmt;
use std::str::FromStr;

/// An output format `render` can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Human summary for a terminal (the default).
    Terminal,
    /// The versioned JSON report.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// Markdown for a pull-request comment.
    Markdown,
    /// JUnit XML, one test case per check.
    Junit,
    /// A self-contained HTML page.
    Html,
}

/// Why a format name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseFormatError {
    #[error("unknown format `{0}`: expected one of terminal (alias text), json, sarif, markdown, junit, html")]
    Unknown(String),
}

impl Format {
    /// Every implemented format, in the order help texts list them.
    pub const ALL: [Format; 6] = [
        Format::Terminal,
        Format::Json,
        Format::Sarif,
        Format::Markdown,
        Format::Junit,
        Format::Html,
    ];

    /// The canonical name, as accepted by `FromStr`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Terminal => "terminal",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Markdown => "markdown",
            Format::Junit => "junit",
            Format::Html => "html",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = ParseFormatError;

    /// Parses a format name, case-insensitively; `text` is an alias of `terminal`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim().to_ascii_lowercase();
        match name.as_str() {
            "terminal" | "text" => Ok(Format::Terminal),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            "markdown" | "md" => Ok(Format::Markdown),
            "junit" => Ok(Format::Junit),
            "html" => Ok(Format::Html),
            _ => Err(ParseFormatError::Unknown(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for format in Format::ALL {
            assert_eq!(format.to_string().parse::<Format>(), Ok(format));
        }
    }

    #[test]
    fn aliases_and_case() {
        assert_eq!("text".parse::<Format>(), Ok(Format::Terminal));
        assert_eq!("SARIF".parse::<Format>(), Ok(Format::Sarif));
    }

    #[test]
    fn unknown_format_lists_valid_names() {
        let err = "xml".parse::<Format>().expect_err("xml is not a format");
        let msg = err.to_string();
        for name in ["terminal", "json", "sarif"] {
            assert!(msg.contains(name), "{msg}");
        }
    }
}
