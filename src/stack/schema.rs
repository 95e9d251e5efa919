//! The stack file format as a JSON Schema (draft 2020-12), derived from the model types in
//! [`crate::stack::model`], for editors (taplo, Even Better TOML) and other tools.
//!
//! The committed copy lives at [`SCHEMA_PATH`]; a test fails when it differs from what this
//! module generates.

use schemars::Schema;
use schemars::generate::SchemaSettings;
use schemars::transform::{RestrictFormats, Transform, transform_subschemas};
use serde_json::Value;

use super::model::StackFile;

/// Where the committed schema lives, relative to the repository root.
pub const SCHEMA_PATH: &str = "schema/stack.schema.json";

/// The JSON Schema of a stack file.
pub fn schema() -> Value {
    SchemaSettings::draft2020_12()
        .with_transform(TomlValues)
        .with_transform(VariableReferences)
        .with_transform(RestrictFormats::default())
        .into_generator()
        .into_root_schema_for::<StackFile>()
        .to_value()
}

/// The schema as `provision schema` prints it: pretty JSON ending with a newline.
pub fn text() -> String {
    let mut text = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    text.push('\n');
    text
}

/// TOML has no null: an absent key is how a value is left out. Drops the `null` alternatives
/// `schemars` adds to optional fields.
#[derive(Debug, Clone)]
struct TomlValues;

impl Transform for TomlValues {
    fn transform(&mut self, schema: &mut Schema) {
        transform_subschemas(self, schema);
        let Some(obj) = schema.as_object_mut() else {
            return;
        };
        if let Some(Value::String(description)) = obj.get_mut("description") {
            *description = unwrap_lines(description);
        }
        if let Some(Value::Array(types)) = obj.get_mut("type") {
            types.retain(|t| t != "null");
            if let [only] = types.as_slice() {
                let only = only.clone();
                obj.insert("type".into(), only);
            }
        }
        if let Some(Value::Array(values)) = obj.get_mut("enum") {
            values.retain(|v| !v.is_null());
        }
        if let Some(Value::Array(branches)) = obj.get_mut("anyOf") {
            branches.retain(|b| b.get("type").is_none_or(|t| t != "null"));
            if branches.len() == 1 {
                let branch = branches.remove(0);
                obj.remove("anyOf");
                if let Value::Object(inner) = branch {
                    for (k, v) in inner {
                        obj.entry(k).or_insert(v);
                    }
                }
            }
        }
    }
}

/// A `${var.NAME}` reference, as the loader substitutes it (`stack::vars`).
const VAR_REFERENCE: &str = r"\$\{var\.[A-Za-z][A-Za-z0-9_]*\}";

/// Stack variables: a string with a `${var.NAME}` reference is checked once substituted, so a
/// patterned string also matches when it holds one; a number field also takes a string that is
/// exactly one reference (its value is read as the number).
#[derive(Debug, Clone)]
struct VariableReferences;

impl Transform for VariableReferences {
    fn transform(&mut self, schema: &mut Schema) {
        transform_subschemas(self, schema);
        let Some(obj) = schema.as_object_mut() else {
            return;
        };
        let kind = obj.get("type").and_then(Value::as_str).map(str::to_string);
        match kind.as_deref() {
            Some("string") => {
                if let Some(Value::String(pattern)) = obj.get_mut("pattern") {
                    let inner = pattern.trim_start_matches('^').trim_end_matches('$');
                    *pattern = format!("^(?:{inner}|.*{VAR_REFERENCE}.*)$");
                }
            }
            Some(number @ ("integer" | "number")) => {
                let number = number.to_string();
                obj.insert("type".into(), serde_json::json!([number, "string"]));
                obj.insert("pattern".into(), Value::String(format!("^{VAR_REFERENCE}$")));
            }
            _ => {}
        }
    }
}

/// Doc comment lines joined back into paragraphs: editors wrap descriptions themselves.
fn unwrap_lines(text: &str) -> String {
    text.split("\n\n")
        .map(|paragraph| paragraph.split('\n').map(str::trim).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use serde_json::{Map, Value};

    use super::*;
    use crate::stack::load;
    use crate::stack::rules;

    /// The object schema a property leads to, following `$ref` and array `items`.
    fn resolve<'a>(root: &'a Value, mut schema: &'a Value) -> &'a Value {
        loop {
            if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
                let name = r.strip_prefix("#/$defs/").unwrap_or(r);
                schema = &root["$defs"][name];
            } else if schema.get("type").and_then(Value::as_str) == Some("array") {
                schema = &schema["items"];
            } else {
                return schema;
            }
        }
    }

    fn properties(schema: &Value) -> Vec<String> {
        schema["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn required(schema: &Value) -> BTreeSet<String> {
        schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).map(String::from).collect())
            .unwrap_or_default()
    }

    /// Every table of the file: (TOML path, its schema, the loader's key list).
    fn tables(root: &Value) -> Vec<(&'static str, Value, &'static [&'static str])> {
        let prop = |table: &Value, name: &str| resolve(root, &table["properties"][name]).clone();
        let api = prop(root, "api");
        let stage = prop(root, "stage");
        vec![
            ("(top level)", root.clone(), load::TOP_KEYS),
            ("[stack]", prop(root, "stack"), load::STACK_KEYS),
            ("[api]", api.clone(), load::API_KEYS),
            ("[api.cors]", prop(&api, "cors"), load::CORS_KEYS),
            ("[role]", prop(root, "role"), load::ROLE_KEYS),
            ("[[authorizer]]", prop(root, "authorizer"), load::AUTHORIZER_KEYS),
            ("[[route]]", prop(root, "route"), load::ROUTE_KEYS),
            ("[stage]", stage.clone(), load::STAGE_KEYS),
            (
                "[stage.access_log]",
                prop(&stage, "access_log"),
                load::ACCESS_LOG_KEYS,
            ),
        ]
    }

    #[test]
    fn property_names_are_the_loaders_keys() {
        let root = schema();
        for (name, table, keys) in tables(&root) {
            assert_eq!(
                properties(&table),
                keys.to_vec(),
                "{name}: schema properties != load.rs keys"
            );
            assert_eq!(table["type"], "object", "{name}");
            assert_eq!(
                table["additionalProperties"], false,
                "{name} must deny unknown keys"
            );
            assert!(
                table["description"].as_str().is_some_and(|d| !d.is_empty()),
                "{name} has no description"
            );
            for key in keys {
                let d = &table["properties"][*key]["description"];
                assert!(
                    d.as_str().is_some_and(|d| !d.is_empty()),
                    "{name} {key}: no description"
                );
            }
        }
    }

    #[test]
    fn required_fields_are_the_loaders() {
        let root = schema();
        let expected: &[(&str, &[&str])] = &[
            ("(top level)", &["stack", "api", "role", "route"]),
            ("[stack]", &["name"]),
            ("[api]", &["name"]),
            ("[api.cors]", &[]),
            ("[role]", &["name", "policy_name"]),
            ("[[authorizer]]", &["name", "issuer", "audience"]),
            ("[[route]]", &["key", "action", "state_machine"]),
            ("[stage]", &[]),
            ("[stage.access_log]", &["destination_arn"]),
        ];
        for (name, table, _) in tables(&root) {
            let want = expected.iter().find(|(n, _)| *n == name).map(|(_, r)| *r);
            let want: BTreeSet<String> = want.unwrap_or_default().iter().map(|s| s.to_string()).collect();
            assert_eq!(required(&table), want, "{name}");
        }
        assert_eq!(root["properties"]["route"]["minItems"], 1);
    }

    #[test]
    fn closed_values_are_the_validators() {
        let root = schema();
        let route = resolve(&root, &root["properties"]["route"]);
        assert_eq!(
            route["properties"]["action"]["enum"],
            serde_json::json!(crate::domain::RouteAction::NAMES)
        );
        let mut auth: Vec<&str> = rules::AUTHORIZATIONS.to_vec();
        auth.push("JWT");
        assert_eq!(
            route["properties"]["authorization"]["enum"],
            serde_json::json!(auth)
        );
        let cors = resolve(
            &root,
            &resolve(&root, &root["properties"]["api"])["properties"]["cors"],
        );
        assert_eq!(
            cors["properties"]["allow_methods"]["items"]["enum"],
            serde_json::json!(rules::CORS_METHODS)
        );
        // Maps of strings, not arrays of pairs.
        for map in [&root["properties"]["tags"], &route["properties"]["parameters"]] {
            assert_eq!(map["type"], "object");
            assert_eq!(map["additionalProperties"], serde_json::json!({"type": "string"}));
        }
    }

    #[test]
    fn no_bookkeeping_and_no_null() {
        let text = text();
        for word in [
            "\"span\"",
            "\"written\"",
            "tags_span",
            "\"null\"",
            "int64",
            "Nullable",
        ] {
            assert!(!text.contains(word), "the schema mentions {word}");
        }
        assert_eq!(
            schema()["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
    }

    #[test]
    fn committed_schema_is_up_to_date() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SCHEMA_PATH);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == text(),
            "{SCHEMA_PATH} is missing or out of date with the stack model; regenerate it with\n    \
             cargo run -- schema > {SCHEMA_PATH}\nand commit it"
        );
    }

    // A validator for the keywords this schema uses, and a check that it uses no others: enough
    // to prove that real stack files pass and broken ones fail.
    const KNOWN: &[&str] = &[
        "$schema",
        "$defs",
        "$ref",
        "title",
        "description",
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "enum",
        "minItems",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
    ];

    fn keywords(schema: &Value, out: &mut BTreeSet<String>) {
        let Some(obj) = schema.as_object() else { return };
        for (k, v) in obj {
            out.insert(k.clone());
            match k.as_str() {
                "properties" | "$defs" => v
                    .as_object()
                    .into_iter()
                    .flatten()
                    .for_each(|(_, s)| keywords(s, out)),
                "items" | "additionalProperties" => keywords(v, out),
                _ => {}
            }
        }
    }

    fn check(root: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r.strip_prefix("#/$defs/").unwrap_or(r);
            return check(root, &root["$defs"][name], value, at, errors);
        }
        let mut fail = |m: String| errors.push(format!("{at}: {m}"));
        if let Some(t) = schema.get("type").and_then(Value::as_str) {
            let ok = match t {
                "object" => value.is_object(),
                "array" => value.is_array(),
                "string" => value.is_string(),
                "boolean" => value.is_boolean(),
                "integer" => value.is_i64() || value.is_u64(),
                "number" => value.is_number(),
                _ => false,
            };
            if !ok {
                return fail(format!("expected {t}, got {value}"));
            }
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array)
            && !values.contains(value)
        {
            fail(format!("{value} is not one of {values:?}"));
        }
        if let Some(s) = value.as_str() {
            let len = s.chars().count() as u64;
            if schema
                .get("minLength")
                .and_then(Value::as_u64)
                .is_some_and(|m| len < m)
            {
                fail(format!("{s:?} is too short"));
            }
            if schema
                .get("maxLength")
                .and_then(Value::as_u64)
                .is_some_and(|m| len > m)
            {
                fail(format!("{s:?} is too long"));
            }
            if let Some(p) = schema.get("pattern").and_then(Value::as_str) {
                match regex_lite::Regex::new(p) {
                    Ok(re) if re.is_match(s) => {}
                    Ok(_) => fail(format!("{s:?} does not match {p}")),
                    Err(e) => fail(format!("bad pattern {p}: {e}")),
                }
            }
        }
        if let Some(n) = value.as_f64() {
            if schema
                .get("minimum")
                .and_then(Value::as_f64)
                .is_some_and(|m| n < m)
            {
                fail(format!("{n} is below the minimum"));
            }
            if schema
                .get("maximum")
                .and_then(Value::as_f64)
                .is_some_and(|m| n > m)
            {
                fail(format!("{n} is above the maximum"));
            }
        }
        if let Some(items) = value.as_array() {
            if schema
                .get("minItems")
                .and_then(Value::as_u64)
                .is_some_and(|m| (items.len() as u64) < m)
            {
                fail("too few items".into());
            }
            for (i, item) in items.iter().enumerate() {
                check(root, &schema["items"], item, &format!("{at}[{i}]"), errors);
            }
        }
        if let Some(obj) = value.as_object() {
            let props = schema.get("properties").and_then(Value::as_object);
            for key in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(key) = key.as_str()
                    && !obj.contains_key(key)
                {
                    errors.push(format!("{at}: missing required `{key}`"));
                }
            }
            for (k, v) in obj {
                let here = format!("{at}.{k}");
                match (props.and_then(|p| p.get(k)), schema.get("additionalProperties")) {
                    (Some(s), _) => check(root, s, v, &here, errors),
                    (None, Some(Value::Bool(false))) => errors.push(format!("{here}: unknown key")),
                    (None, Some(s)) => check(root, s, v, &here, errors),
                    (None, None) => {}
                }
            }
        }
    }

    fn errors_for(toml_text: &str) -> Vec<String> {
        let value: Value = match toml::from_str::<Map<String, Value>>(toml_text) {
            Ok(map) => Value::Object(map),
            Err(e) => return vec![format!("not TOML: {e}")],
        };
        let root = schema();
        let mut errors = Vec::new();
        check(&root, &root, &value, "$", &mut errors);
        errors
    }

    #[test]
    fn the_schema_uses_only_keywords_the_test_validator_knows() {
        let mut used = BTreeSet::new();
        keywords(&schema(), &mut used);
        let unknown: Vec<_> = used.iter().filter(|k| !KNOWN.contains(&k.as_str())).collect();
        assert!(unknown.is_empty(), "teach the test validator {unknown:?}");
    }

    #[test]
    fn accepts_every_stack_the_loader_accepts() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks");
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|x| x != "toml") {
                continue;
            }
            let loaded = crate::stack::load(&path);
            if loaded.has_errors() {
                continue;
            }
            let errors = errors_for(&loaded.source);
            assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
            checked += 1;
        }
        assert!(checked >= 1, "no stack checked in {}", dir.display());
        let onboarding = include_str!("../../tests/fixtures/onboarding-existing-machine.toml");
        assert_eq!(errors_for(onboarding), Vec::<String>::new());
    }

    #[test]
    fn accepts_the_starter_stack() {
        let text = crate::stack::starter::starter(&crate::stack::starter::Starter::default());
        assert_eq!(errors_for(&text), Vec::<String>::new());
    }

    #[test]
    fn rejects_what_the_loader_rejects() {
        let good = include_str!("../../tests/fixtures/onboarding-existing-machine.toml");
        let cases = [
            (
                good.replace("[api]\n", "[api]\nnmae = \"x\"\n"),
                "$.api.nmae: unknown key",
            ),
            (
                good.replace("name = \"user-onboarding-api\"\n", ""),
                "$.api: missing required `name`",
            ),
            (
                good.replace("\"StartExecution\"\n", "\"StartExecutions\"\n"),
                "$.route[0].action",
            ),
            (
                good.replace("auto_deploy = true", "auto_deploy = \"yes\""),
                "$.stage.auto_deploy",
            ),
            (
                good.replace("name = \"user-onboarding\"", "name = \"user onboarding\""),
                "$.stack.name",
            ),
            (format!("{good}\n[lambda]\nx = 1\n"), "$.lambda: unknown key"),
            (good.replace("[[route]]", "[[routes]]"), "$.routes: unknown key"),
        ];
        for (text, expected) in cases {
            let loaded = crate::stack::from_source(&text);
            assert!(loaded.has_errors(), "the loader accepts the case for {expected}");
            let errors = errors_for(&text);
            assert!(
                errors.iter().any(|e| e.starts_with(expected)),
                "expected an error at {expected}, got {errors:#?}"
            );
        }
    }
}
