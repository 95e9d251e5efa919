//! YAML definitions (Amazon States Language written in YAML, as the Step Functions console and
//! SAM accept), turned into the same JSON value as a JSON file. `yaml-rust2` is the parser: pure
//! Rust, maintained, YAML 1.2, and small without its encoding feature (serde_yaml is archived).

use serde_json::{Map, Number, Value};
use yaml_rust2::{Yaml, YamlLoader};

use super::located::Located;

/// Parses YAML text into JSON: one document, mapping keys as strings.
pub fn parse(text: &str) -> Result<Value, Located> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| Located {
        message: format!("the definition is not valid YAML: {}", e.info()),
        at: Some((e.marker().line(), e.marker().col() + 1)),
        help: None,
        error: true,
    })?;
    match docs.as_slice() {
        [one] => to_json(one),
        [] => Err(located("the YAML definition is empty")),
        _ => Err(located("the YAML definition holds several documents; keep one")),
    }
}

fn located(message: &str) -> Located {
    Located {
        message: message.to_string(),
        at: None,
        help: None,
        error: true,
    }
}

fn to_json(yaml: &Yaml) -> Result<Value, Located> {
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Integer(i) => Value::Number((*i).into()),
        Yaml::Real(text) => text
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| located(&format!("`{text}` is not a number JSON can hold")))?,
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Array(items) => Value::Array(items.iter().map(to_json).collect::<Result<_, _>>()?),
        Yaml::Hash(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match k {
                    Yaml::String(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    _ => return Err(located("a YAML mapping key must be text")),
                };
                out.insert(key, to_json(v)?);
            }
            Value::Object(out)
        }
        Yaml::Alias(_) | Yaml::BadValue => {
            return Err(located("the YAML definition holds a value JSON cannot"));
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn yaml_and_json_definitions_are_the_same_value() {
        let yaml = "StartAt: A\nStates:\n  A:\n    Type: Pass\n    Result: {n: 1, ok: true, x: 1.5}\n    End: true\n";
        let value = super::parse(yaml).unwrap();
        assert_eq!(
            value,
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"n": 1, "ok": true, "x": 1.5}, "End": true}}})
        );
        let broken = super::parse("StartAt: A\nStates: [\n").unwrap_err();
        assert!(broken.at.is_some() && broken.message.contains("not valid YAML"));
    }
}
