//! SSRF and unsafe consumption checks, proven with the callback listener.
