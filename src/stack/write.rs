//! Writing a stack file from what AWS returned (`provision import`): TOML values spelled as the
//! stack format reads them back, and what the format cannot express. Each resource unit writes its
//! own table with these (`resource/<kind>/emit.rs`); `import` puts the tables together.

use std::collections::BTreeMap;

use serde::Serialize;

/// What a skipped item is, as `import` lists it (`route POST /x: ...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The API.
    Api,
    /// A route.
    Route,
    /// An authorizer.
    Authorizer,
    /// A stage.
    Stage,
    /// A setting of the stage the stack manages.
    StageSetting,
    /// The integrations' role.
    Role,
}

impl Kind {
    /// The word `import` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Api => "api",
            Kind::Route => "route",
            Kind::Authorizer => "authorizer",
            Kind::Stage => "stage",
            Kind::StageSetting => "stage-setting",
            Kind::Role => "role",
        }
    }
}

/// What `up` does with a skipped item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// Left as it is once listed in this `[api]` key (`unmanaged_routes`, ...).
    Unmanaged(&'static str),
    /// Left as it is: `up` never sends the setting.
    NeverSent,
    /// Nothing: no stack file can leave it as it is (`up` would change it).
    NotImportable,
}

impl Kept {
    /// The `[api]` key that lists unmanaged items of `kind`: routes, stages and authorizers
    /// only.
    pub fn unmanaged_list(kind: Kind) -> Option<&'static str> {
        match kind {
            Kind::Route => Some("unmanaged_routes"),
            Kind::Stage => Some("unmanaged_stages"),
            Kind::Authorizer => Some("unmanaged_authorizers"),
            Kind::Api | Kind::StageSetting | Kind::Role => None,
        }
    }
}

/// Prints as `import` lists it and serializes as that text, as the `String` fields did.
macro_rules! displayed {
    ($name:ident) => {
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    };
}
displayed!(Kind);
displayed!(Kept);

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Kept::Unmanaged(list) => write!(f, "left as it is: listed in [api] {list}"),
            Kept::NeverSent => f.write_str("left as it is: `up` never sends this setting"),
            Kept::NotImportable => f.write_str("not importable: `up` would change it"),
        }
    }
}

/// Something of the API the stack format cannot express.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// What it is.
    pub kind: Kind,
    /// Its name: route key, stage name, role name, ...
    pub name: String,
    /// What the format lacks, with the values read.
    pub reason: String,
    /// What `up` does with it; for a blocking item, that no file can be a no-op.
    pub kept: Kept,
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
pub(crate) fn left_alone(kind: Kind, name: &str, reason: String) -> Skipped {
    let kept = Kept::unmanaged_list(kind).map_or(Kept::NeverSent, Kept::Unmanaged);
    Skipped {
        kind,
        name: name.to_string(),
        reason,
        kept,
        blocking: false,
    }
}

/// A difference `up` would undo, so no file can be a no-op against it.
pub(crate) fn blocking(kind: Kind, name: &str, reason: String) -> Skipped {
    Skipped {
        kind,
        name: name.to_string(),
        reason,
        kept: Kept::NotImportable,
        blocking: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `import` prints and serializes the kind and what `up` does as the words it always has.
    #[test]
    fn a_skipped_item_prints_and_serializes_as_before() {
        let route = left_alone(Kind::Route, "GET /x", "a Lambda integration".into());
        assert_eq!(route.kept, Kept::Unmanaged("unmanaged_routes"));
        assert_eq!(
            serde_json::to_value(&route).unwrap(),
            serde_json::json!({
                "kind": "route",
                "name": "GET /x",
                "reason": "a Lambda integration",
                "kept": "left as it is: listed in [api] unmanaged_routes",
                "blocking": false,
            })
        );
        let setting = left_alone(Kind::StageSetting, "$default", "r".into());
        assert_eq!(setting.kind.to_string(), "stage-setting");
        assert_eq!(
            setting.kept.to_string(),
            "left as it is: `up` never sends this setting"
        );
        let role = blocking(Kind::Role, "r", "r".into());
        assert_eq!(role.kept.to_string(), "not importable: `up` would change it");
        assert!(role.blocking);
    }
}
