//! Authentication checks: enforcement, token transport, token reflection, JWT weaknesses.
