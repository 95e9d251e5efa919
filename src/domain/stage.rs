//! A stage's name.

use std::fmt;

/// A stage's name: `$default` (served at the API's root, "Working with stages for HTTP APIs",
/// API Gateway developer guide) or a name served under `/NAME`. Serializes as the string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct StageName(String);

impl StageName {
    /// The one spelling of the default stage's name.
    pub const DEFAULT: &'static str = "$default";

    /// The default stage, `$default`.
    pub fn default_stage() -> Self {
        StageName(Self::DEFAULT.to_string())
    }

    /// A stage of this name (the stack file's checks say which names AWS accepts).
    pub fn new(name: impl Into<String>) -> Self {
        StageName(name.into())
    }

    /// True for `$default`.
    pub fn is_default(&self) -> bool {
        self.0 == Self::DEFAULT
    }

    /// True when `name` is `$default`.
    pub fn is_default_name(name: &str) -> bool {
        name == Self::DEFAULT
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Where the stage is served below the API's endpoint ("Working with stages for HTTP APIs":
    /// `$default` at the root, another stage under its name): empty, or `/NAME`.
    pub fn base_path(&self) -> String {
        match self.is_default() {
            true => String::new(),
            false => format!("/{}", self.0),
        }
    }
}

impl Default for StageName {
    fn default() -> Self {
        StageName::default_stage()
    }
}

impl fmt::Display for StageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for StageName {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(StageName(s.to_string()))
    }
}

impl AsRef<str> for StageName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for StageName {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for StageName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for StageName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl From<&str> for StageName {
    fn from(s: &str) -> Self {
        StageName(s.to_string())
    }
}

impl From<String> for StageName {
    fn from(s: String) -> Self {
        StageName(s)
    }
}

impl PartialEq<String> for StageName {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl From<&StageName> for String {
    fn from(s: &StageName) -> String {
        s.0.clone()
    }
}

impl From<StageName> for String {
    fn from(s: StageName) -> String {
        s.0
    }
}
