//! The twelve categories every check and score belongs to.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A scoring category. The order here is the order reports print them in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Authentication,
    Bola,
    Bfla,
    PropertyAuthorization,
    InputValidationMisconfiguration,
    RateLimitingResourceConsumption,
    DataExposure,
    EncryptionTransport,
    Ssrf,
    Inventory,
    UnsafeConsumption,
    ContainerHostExposure,
}

impl Category {
    pub const ALL: [Category; 12] = [
        Category::Authentication,
        Category::Bola,
        Category::Bfla,
        Category::PropertyAuthorization,
        Category::InputValidationMisconfiguration,
        Category::RateLimitingResourceConsumption,
        Category::DataExposure,
        Category::EncryptionTransport,
        Category::Ssrf,
        Category::Inventory,
        Category::UnsafeConsumption,
        Category::ContainerHostExposure,
    ];

    /// Human name, as printed in reports.
    pub fn name(self) -> &'static str {
        match self {
            Category::Authentication => "Authentication",
            Category::Bola => "BOLA",
            Category::Bfla => "BFLA",
            Category::PropertyAuthorization => "Property authorization",
            Category::InputValidationMisconfiguration => "Input validation & misconfiguration",
            Category::RateLimitingResourceConsumption => "Rate limiting & resource consumption",
            Category::DataExposure => "Data exposure",
            Category::EncryptionTransport => "Encryption & transport",
            Category::Ssrf => "SSRF",
            Category::Inventory => "Inventory",
            Category::UnsafeConsumption => "Unsafe consumption",
            Category::ContainerHostExposure => "Container & host exposure",
        }
    }

    /// The stable machine name used in JSON and SARIF.
    pub fn slug(self) -> &'static str {
        match self {
            Category::Authentication => "authentication",
            Category::Bola => "bola",
            Category::Bfla => "bfla",
            Category::PropertyAuthorization => "property-authorization",
            Category::InputValidationMisconfiguration => "input-validation-misconfiguration",
            Category::RateLimitingResourceConsumption => "rate-limiting-resource-consumption",
            Category::DataExposure => "data-exposure",
            Category::EncryptionTransport => "encryption-transport",
            Category::Ssrf => "ssrf",
            Category::Inventory => "inventory",
            Category::UnsafeConsumption => "unsafe-consumption",
            Category::ContainerHostExposure => "container-host-exposure",
        }
    }

    /// Weight of this category in the overall score (see docs/scoring.md).
    /// Categories where one finding usually means account or host takeover weigh 1.0.
    pub fn weight(self) -> f64 {
        match self {
            Category::Authentication
            | Category::Bola
            | Category::Bfla
            | Category::DataExposure
            | Category::Ssrf
            | Category::ContainerHostExposure => 1.0,
            Category::PropertyAuthorization
            | Category::EncryptionTransport
            | Category::UnsafeConsumption => 0.8,
            Category::InputValidationMisconfiguration
            | Category::RateLimitingResourceConsumption
            | Category::Inventory => 0.6,
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
