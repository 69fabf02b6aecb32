//! Every check, one file each, in the folder of its id prefix (`auth/` AUTH-, `bola/`
//! BOLA-, `bfla/` BFLA-, `property/` PROP-, `injection/` INJ-, `inventory/` INV-,
//! `leak/` LEAK-, `misc/` MISC-, `rate/` RATE-, `ssrf/` SSRF- and UC-, `tls/` TLS-,
//! `container/` CONT-). `registry.rs` lists them. Shared code lives in `kit/`: a check
//! imports the kit, the engine and core.

pub mod auth;
pub mod bfla;
pub mod bola;
pub mod container;
pub mod injection;
pub mod inventory;
pub mod kit;
pub mod leak;
pub mod misc;
pub mod property;
pub mod rate;
pub mod registry;
pub mod ssrf;
pub mod tls;
