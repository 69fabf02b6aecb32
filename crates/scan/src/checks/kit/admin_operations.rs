//! Which operations are administrative: by path segment, tag, scope or summary.
//! Shared by BFLA-001 (reads) and BFLA-002 (writes).

use tollgate_spec::Operation;

/// Path segments that name administrative areas.
const ADMIN_SEGMENTS: &[&str] = &[
    "admin",
    "admins",
    "administration",
    "administrator",
    "internal",
    "manage",
    "management",
    "staff",
    "superuser",
    "sudo",
    "backoffice",
    "back-office",
    "ops",
];

/// How sure the document is that an operation is for administrators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Evidence {
    /// Only the path looks administrative.
    Path,
    /// A tag, an `admin` scope or the summary says so.
    Documented,
}

pub(crate) fn admin_path(path: &str) -> bool {
    path.split('/')
        .any(|seg| ADMIN_SEGMENTS.contains(&seg.to_ascii_lowercase().as_str()))
}

pub(crate) fn classify(op: &Operation) -> Option<Evidence> {
    let says = |t: &str| {
        let t = t.to_ascii_lowercase();
        t.contains("admin") || t.contains("staff only") || t.contains("superuser")
    };
    let documented = op.tags.iter().any(|t| says(t))
        || op
            .scopes()
            .any(|s| s.to_ascii_lowercase().contains("admin"))
        || op.summary.as_deref().is_some_and(says);
    if documented {
        Some(Evidence::Documented)
    } else {
        admin_path(&op.path).then_some(Evidence::Path)
    }
}
