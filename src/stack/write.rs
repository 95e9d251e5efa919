//! Writing a stack file from what AWS returned (`provision import`): TOML values spelled as the
//! stack format reads them back, and what the format cannot express. Each resource unit writes its
//! own table with these (`resource/<kind>/emit.rs`); `import` puts the tables together.

use std::collections::BTreeMap;

use serde::Serialize;

/// Something of the API the stack format cannot express.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// `api`, `route`, `integration`, `authorizer`, `stage`, `role`.
    pub kind: &'static str,
    /// Its name: route key, stage name, role name, ...
    pub name: String,
    /// What the format lacks, with the values read.
    pub reason: String,
    /// What `up` does with it: `left as it is (unmanaged)`, ... ; for a blocking item, why no
    /// file can be a no-op.
    pub kept: String,
    /// True when no stack file can leave it as it is: `import` fails even with `--partial`.
    pub blocking: bool,
}

/// A TOML string: a literal `'''...'''` block for a multi-line policy document (when it holds no
/// `'''`), else a basic string with TOML's escaping.
pub fn quote(s: &str) -> String {
    if s.contains('\n') && !s.contains("'''") {
        return format!("'''\n{s}'''");
    }
    toml::Value::String(s.to_string()).to_string()
}

/// A TOML array of strings.
pub fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// A TOML inline table of strings.
pub fn table(map: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = map
        .iter()
        .map(|(k, v)| format!("{} = {}", key(k), quote(v)))
        .collect();
    format!("{{ {} }}", pairs.join(", "))
}

/// A bare key when TOML allows one, else quoted.
pub fn key(k: &str) -> String {
    match !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        true => k.to_string(),
        false => quote(k),
    }
}

/// A skipped item `up` leaves as it is once it is listed as unmanaged (routes, stages,
/// authorizers) or because `up` never sends that setting.
pub(crate) fn left_alone(kind: &'static str, name: &str, reason: String) -> Skipped {
    let kept = match kind {
        "route" => "left as it is: listed in [api] unmanaged_routes",
        "stage" => "left as it is: listed in [api] unmanaged_stages",
        "authorizer" => "left as it is: listed in [api] unmanaged_authorizers",
        _ => "left as it is: `up` never sends this setting",
    };
    Skipped {
        kind,
        name: name.to_string(),
        reason,
        kept: kept.into(),
        blocking: false,
    }
}

/// A difference `up` would undo, so no file can be a no-op against it.
pub(crate) fn blocking(kind: &'static str, name: &str, reason: String) -> Skipped {
    Skipped {
        kind,
        name: name.to_string(),
        reason,
        kept: "not importable: `up` would change it".into(),
        blocking: true,
    }
}
