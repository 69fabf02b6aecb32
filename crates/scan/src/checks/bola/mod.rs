//! Broken object level authorization: one user's access to another user's objects.

pub mod cross_user;
pub mod cross_user_write;
pub mod predictable_ids;
