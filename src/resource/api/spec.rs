//! The HTTP API's shape: as the file declares it (desired), pure data.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::stack::model::CorsSection;
use crate::stack::model::Sp;
use std::collections::BTreeMap;

use crate::resource::authorizer::spec::LiveAuthorizer;
use crate::resource::integration::spec::LiveIntegration;
use crate::resource::route::spec::LiveRoute;
use crate::resource::stage::spec::LiveStage;

/// The HTTP API.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredApi {
    /// API name.
    pub name: String,
    /// CORS configuration; `None` means none at all.
    pub cors: Option<Cors>,
    /// Route keys the stack leaves alone (`[api] unmanaged_routes`).
    pub unmanaged_routes: BTreeSet<String>,
    /// Stage names the stack leaves alone (`[api] unmanaged_stages`).
    pub unmanaged_stages: BTreeSet<String>,
    /// Authorizer names the stack leaves alone (`[api] unmanaged_authorizers`).
    pub unmanaged_authorizers: BTreeSet<String>,
}

/// A CORS configuration in canonical form: lists sorted and de-duplicated, header names in lower
/// case and methods in upper case (HTTP treats them so, and AWS may return them so).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Cors {
    /// Allowed origins.
    pub allow_origins: Vec<String>,
    /// Allowed methods.
    pub allow_methods: Vec<String>,
    /// Allowed request headers.
    pub allow_headers: Vec<String>,
    /// Response headers exposed to scripts.
    pub expose_headers: Vec<String>,
    /// Preflight cache, seconds.
    pub max_age: Option<i32>,
    /// Whether credentials may be sent; `None` is AWS's default, false.
    pub allow_credentials: Option<bool>,
}

impl Cors {
    /// The canonical form of a configuration, as written or as read from AWS.
    pub fn canonical(mut self) -> Cors {
        let tidy = |v: &mut Vec<String>, f: fn(&str) -> String| {
            *v = v
                .iter()
                .map(|s| f(s))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
        };
        tidy(&mut self.allow_origins, str::to_string);
        tidy(&mut self.allow_methods, str::to_ascii_uppercase);
        tidy(&mut self.allow_headers, str::to_ascii_lowercase);
        tidy(&mut self.expose_headers, str::to_ascii_lowercase);
        if self.allow_credentials == Some(false) {
            self.allow_credentials = None;
        }
        self
    }
}

/// The CORS configuration as written, in canonical form.
pub(crate) fn desired_cors(c: &CorsSection) -> Cors {
    let strings = |v: &Option<Vec<Sp<String>>>| v.iter().flatten().map(|s| s.value.clone()).collect();
    Cors {
        allow_origins: strings(&c.allow_origins),
        allow_methods: strings(&c.allow_methods),
        allow_headers: strings(&c.allow_headers),
        expose_headers: strings(&c.expose_headers),
        max_age: c.max_age.as_ref().and_then(|m| i32::try_from(m.value).ok()),
        allow_credentials: c.allow_credentials.as_ref().map(|a| a.value),
    }
    .canonical()
}

/// An HTTP API and everything inside it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LiveApi {
    /// API id.
    pub id: String,
    /// API name.
    pub name: String,
    /// `https://{id}.execute-api.{region}.amazonaws.com`.
    pub endpoint: Option<String>,
    /// Creation time, milliseconds since the epoch: the oldest of duplicates is kept.
    pub created: Option<i64>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Routes.
    pub routes: Vec<LiveRoute>,
    /// Integrations.
    pub integrations: Vec<LiveIntegration>,
    /// Stages.
    pub stages: Vec<LiveStage>,
    /// Authorizers.
    pub authorizers: Vec<LiveAuthorizer>,
    /// CORS configuration, canonical; `None` when the API has none.
    pub cors: Option<Cors>,
    /// The CORS configuration exactly as AWS returned it (order and case kept), read for `import`
    /// only.
    #[serde(skip)]
    pub cors_as_returned: Option<Cors>,
    /// `HTTP` or `WEBSOCKET`, read for `import` only.
    #[serde(skip)]
    pub protocol: Option<String>,
    /// Settings the stack format lacks, as read: what `import` lists. Not part of what a saved
    /// plan was computed from.
    #[serde(skip)]
    pub unexpressed: Vec<String>,
}

impl LiveApi {
    /// The children in one order whatever order AWS listed them in (it promises none): by id,
    /// stages by name. What a saved plan's fingerprint is taken over.
    pub fn sort_children(&mut self) {
        self.routes.sort_by(|a, b| a.id.cmp(&b.id));
        self.integrations.sort_by(|a, b| a.id.cmp(&b.id));
        self.stages.sort_by(|a, b| a.name.cmp(&b.name));
        self.authorizers.sort_by(|a, b| a.id.cmp(&b.id));
    }
}

/// A list of strings as written, as a set (`[api] unmanaged_*`).
pub(crate) fn string_set(list: &Option<Vec<Sp<String>>>) -> BTreeSet<String> {
    list.iter().flatten().map(|s| s.value.clone()).collect()
}

/// CORS configurations for tests outside the unit (the operations' pins), so that they do not
/// spell its fields: the unit owns its shapes.
#[cfg(test)]
pub(crate) mod samples {
    use super::Cors;

    /// Every origin, a preflight cached for 3 seconds, the rest AWS's defaults.
    pub fn cors() -> Cors {
        Cors {
            allow_origins: vec!["*".into()],
            allow_methods: Vec::new(),
            allow_headers: Vec::new(),
            expose_headers: Vec::new(),
            max_age: Some(3),
            allow_credentials: None,
        }
    }
}
