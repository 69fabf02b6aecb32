//! Unrestricted resource consumption: page sizes, rate limits, response sizes.

pub mod large_responses;
pub mod missing_pagination;
pub mod no_rate_limit;
pub mod unbounded_page_size;
