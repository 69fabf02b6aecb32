//! Injection checks (category: input validation & misconfiguration; not a category of
//! the OWASP API Top 10 2023, mapped to API8 security misconfiguration).

pub mod os_command;
pub mod slow_input;
