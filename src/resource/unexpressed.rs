//! How a unit's `read.rs` notes the settings AWS holds that the stack format has no key for:
//! `Name = value` lines, one per setting that is not at AWS's default. `up` never sends them, so
//! it leaves them as they are; `import` lists them so that nothing is dropped silently. Each unit
//! decides which of its kind's settings these are (its `read.rs`, `fn unexpressed`); this module,
//! below the units, only spells the lines. Pure: it takes plain values, not SDK shapes.

use std::collections::HashMap;
use std::fmt::Debug;

/// `Name = "value"` when the value is set and not empty.
pub(crate) fn text(out: &mut Vec<String>, name: &str, value: Option<&str>) {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        out.push(format!("{name} = {v:?}"));
    }
}

/// `Name = true` when the flag is on (every such flag's default is off).
pub(crate) fn flag(out: &mut Vec<String>, name: &str, value: Option<bool>) {
    if value == Some(true) {
        out.push(format!("{name} = true"));
    }
}

/// `Name = {key, key}` (the keys, sorted) when the map is set and not empty.
pub(crate) fn map<V: Debug>(out: &mut Vec<String>, name: &str, value: Option<&HashMap<String, V>>) {
    if let Some(m) = value.filter(|m| !m.is_empty()) {
        let mut keys: Vec<&String> = m.keys().collect();
        keys.sort();
        let keys: Vec<&str> = keys.into_iter().map(String::as_str).collect();
        out.push(format!("{name} = {{{}}}", keys.join(", ")));
    }
}
