//! The one explicit list of checks, in run order.
//!
//! Each section below belongs to one category; add a check by adding one line in its
//! section (and nowhere else).

use super::*;
use crate::check::Check;

static CHECKS: &[&'static dyn Check] = &[
    // ---- Authentication (AUTH-)
    &auth::unauthenticated_data::UnauthenticatedData,
    &auth::invalid_bearer::InvalidBearerAccepted,
    &auth::token_in_query::TokenInQuery,
    &auth::www_authenticate::WwwAuthenticate,
    &auth::method_bypass::MethodAuthBypass,
    &auth::login_surface::LoginSurface,
    &auth::token_reflection::TokenReflection,
    &auth::jwt_alg_none::JwtAlgNone,
    &auth::jwt_weak_secret::JwtWeakSecret,
    &auth::jwt_exp_not_checked::JwtExpNotChecked,
    &auth::jwt_aud_not_checked::JwtAudNotChecked,
    &auth::jwt_claims_trusted::JwtClaimsTrusted,
    &auth::jwt_claims::JwtClaims,
    &auth::jwt_signature_not_verified::JwtSignatureNotVerified,
    &auth::jwt_kid_path::JwtKidPath,
    &auth::guessable_code::GuessableCode,
    // ---- Encryption & transport (TLS-)
    &tls::plain_http::PlainHttp,
    &tls::hsts::MissingHsts,
    // ---- Input validation & misconfiguration (MISC-)
    &misc::drf_browsable::DrfBrowsableApi,
    &misc::nosniff::MissingNosniff,
    &misc::clickjacking::Clickjacking,
    &misc::cors::Cors,
    &misc::cookie_flags::CookieFlags,
    &misc::version_disclosure::VersionDisclosure,
    &misc::trace::TraceEnabled,
    &misc::dangerous_methods::DangerousMethods,
    // ---- Injection (INJ-), filed under input validation & misconfiguration
    &injection::sql_error::SqlErrorInjection,
    &injection::sql_boolean::SqlBooleanInjection,
    &injection::template::TemplateInjection,
    &injection::nosql_operator::NosqlOperatorLogin,
    // ---- Data exposure (LEAK-)
    &leak::debug_error_page::DebugErrorPage,
    &leak::exposed_files::ExposedFiles,
    &leak::exposed_logs::ExposedLogs,
    &leak::django_debug_404::DjangoDebug404,
    &leak::secrets_in_responses::SecretsInResponses,
    &leak::cacheable_auth_response::CacheableAuthResponse,
    // ---- Authorization, inventory and resource consumption (BOLA-, BFLA-, PROP-, INV-, RATE-)
    &bola::cross_user::CrossUserObjectAccess,
    &bola::predictable_ids::PredictableIds,
    &bola::cross_user_write::CrossUserWrite,
    &bfla::admin_functions::AdminFunctions,
    &bfla::admin_writes::AdminWrites,
    &property::sensitive_fields::SensitiveFields,
    &property::undocumented_fields::UndocumentedFields,
    &property::mass_assignment_surface::MassAssignmentSurface,
    &property::mass_assignment::MassAssignment,
    &inventory::undocumented_endpoints::UndocumentedEndpoints,
    &inventory::sibling_versions::SiblingVersions,
    &inventory::public_spec::PublicSpec,
    &inventory::deprecated_live::DeprecatedLive,
    &inventory::http_servers::HttpServers,
    &inventory::unused_security_schemes::UnusedSecuritySchemes,
    &inventory::unsecured_operations::UnsecuredOperations,
    &inventory::state_changing_exposed::StateChangingExposed,
    &rate::unbounded_page_size::UnboundedPageSize,
    &rate::no_rate_limit::NoRateLimit,
    &rate::large_responses::LargeResponses,
    &rate::missing_pagination::MissingPagination,
    // ---- SSRF and unsafe consumption (SSRF-, UC-)
    &ssrf::reflected::ReflectedSsrf,
    &ssrf::blind::BlindSsrf,
    &ssrf::token_fetch::TokenFetch,
    &ssrf::forwarded_credentials::ForwardedCredentials,
    &ssrf::open_redirect::OpenRedirect,
    &ssrf::webhook_fields::WebhookFields,
    &ssrf::xml_accepted::XmlAccepted,
    &ssrf::body_fields::BodyFieldSsrf,
    &ssrf::webhook_registration::WebhookRegistration,
    &injection::os_command::OsCommand,
    &injection::slow_input::SlowInput,
    &injection::sql_error_body::SqlErrorInjectionBody,
    // ---- Container & host exposure (CONT-)
    &container::host_ports::HostPorts,
    &container::ssrf_reach::SsrfReachesRuntime,
    &container::indicators::RuntimeIndicators,
];

/// Every registered check.
pub fn all() -> &'static [&'static dyn Check] {
    CHECKS
}

/// The check with this ID.
pub fn find(id: &str) -> Option<&'static dyn Check> {
    CHECKS
        .iter()
        .copied()
        .find(|c| c.meta().id.as_str().eq_ignore_ascii_case(id))
}
