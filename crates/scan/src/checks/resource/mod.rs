//! Unrestricted resource consumption: page sizes, rate limits.

pub mod no_rate_limit;
pub mod unbounded_page_size;
