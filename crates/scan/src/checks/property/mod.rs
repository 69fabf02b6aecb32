//! Broken object property level authorization: what fields an answer exposes and a
//! request may set.

pub mod mass_assignment;
pub mod mass_assignment_surface;
pub mod sensitive_fields;
pub mod undocumented_fields;
