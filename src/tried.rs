//! What the last requests tried: the profile the credentials came from and the endpoint each
//! service's requests went to. The AWS client setup writes them, the error explainer reads them
//! (the SDK's connection errors do not carry the address); this file sits below both.

/// The profile the credentials come from, for error messages.
static PROFILE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// The endpoint each service's last request went to, for error messages.
static ENDPOINTS: std::sync::Mutex<Vec<(&'static str, String)>> = std::sync::Mutex::new(Vec::new());

/// The AWS profile in use: `--profile`, else AWS_PROFILE, else `default`.
pub fn profile_in_use() -> String {
    PROFILE.get().cloned().unwrap_or_else(|| {
        std::env::var("AWS_PROFILE")
            .ok()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "default".into())
    })
}

/// Where a service's requests were sent (scheme, host and port), or `the <service> endpoint`
/// when none was sent yet.
pub fn endpoint_tried(service: &str) -> String {
    let endpoints = ENDPOINTS.lock().unwrap_or_else(|p| p.into_inner());
    endpoints
        .iter()
        .find(|(s, _)| *s == service)
        .map_or_else(|| format!("the {service} endpoint"), |(_, e)| e.clone())
}

/// Records the profile in use (the first one set wins: one per run).
pub(crate) fn remember_profile(profile: String) {
    let _ = PROFILE.set(profile);
}

/// Records where a service's request was sent.
pub(crate) fn remember_endpoint(service: &'static str, origin: &str) {
    let mut endpoints = ENDPOINTS.lock().unwrap_or_else(|p| p.into_inner());
    match endpoints.iter_mut().find(|(s, _)| *s == service) {
        Some(entry) => entry.1 = origin.to_string(),
        None => endpoints.push((service, origin.to_string())),
    }
}
