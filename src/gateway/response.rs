//! Integration response parameters applied to the integration's answer, as an HTTP API applies
//! them before the client sees it (API Gateway developer guide, "Transforming API requests and
//! responses", "Transforming API responses"): the map of the integration's status code, if any,
//! replaces the status and appends, overwrites or removes headers. Pure.
//!
//! Emulated where the guide is silent: every value is evaluated against the answer as the
//! integration gave it, then removes apply, then overwrites, then appends; a bare variable that
//! gives nothing sets no header; a status that is not 200-599 is a 500. A live account has not
//! confirmed these for AWS service integrations.

use std::collections::BTreeMap;

use super::mapping::{Answer, MappingError, Request, evaluate_response_value};
use crate::stack::response::{ResponseKey, parse_key};
use crate::stack::rules::parse_mapping;

/// The answer the client receives: its status and headers (the body is the integration's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shaped {
    /// HTTP status.
    pub status: u16,
    /// Headers, names as the mapping or the integration wrote them.
    pub headers: Vec<(String, String)>,
}

/// Applies the response parameters of `answer.status` (when there are any) to the answer.
pub fn shape(
    parameters: &BTreeMap<String, BTreeMap<String, String>>,
    request: &Request,
    answer: &Answer,
) -> Result<Shaped, MappingError> {
    let mut shaped = Shaped {
        status: answer.status,
        headers: answer.headers.clone(),
    };
    let Some(map) = parameters.get(&answer.status.to_string()) else {
        return Ok(shaped);
    };
    let mut evaluated = Vec::new();
    for (key, expression) in map {
        let internal = |why: String| {
            MappingError::Internal(format!("response parameter `{key}` of {}: {why}", answer.status))
        };
        let parsed_key = parse_key(key).map_err(|e| internal(e.reason))?;
        let mapping = parse_mapping(expression).map_err(|e| internal(e.reason))?;
        let value = evaluate_response_value(mapping, request, answer)?;
        evaluated.push((key, parsed_key, value));
    }
    for (_, key, _) in &evaluated {
        if let ResponseKey::Remove(name) = key {
            shaped.headers.retain(|(h, _)| !h.eq_ignore_ascii_case(name));
        }
    }
    for (key_text, key, value) in &evaluated {
        let Some(value) = value else { continue };
        match key {
            ResponseKey::Overwrite(name) => {
                shaped.headers.retain(|(h, _)| !h.eq_ignore_ascii_case(name));
                shaped.headers.push((name.clone(), value.clone()));
            }
            ResponseKey::StatusCode => {
                shaped.status = value
                    .trim()
                    .parse::<u16>()
                    .ok()
                    .filter(|s| (200..=599).contains(s))
                    .ok_or_else(|| {
                        MappingError::Internal(format!(
                            "response parameter `{key_text}` of {} gave `{value}`, not an HTTP status 200-599",
                            answer.status
                        ))
                    })?;
            }
            _ => {}
        }
    }
    for (_, key, value) in &evaluated {
        if let (ResponseKey::Append(name), Some(value)) = (key, value) {
            // One header, values joined by commas, as API Gateway joins repeated headers.
            match shaped
                .headers
                .iter_mut()
                .find(|(h, _)| h.eq_ignore_ascii_case(name))
            {
                Some((_, existing)) => {
                    existing.push(',');
                    existing.push_str(value);
                }
                None => shaped.headers.push((name.clone(), value.clone())),
            }
        }
    }
    Ok(shaped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(code: &str, pairs: &[(&str, &str)]) -> BTreeMap<String, BTreeMap<String, String>> {
        BTreeMap::from([(
            code.to_string(),
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )])
    }

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_start_answer_becomes_202_with_the_execution_arn_in_location() {
        let p = params(
            "200",
            &[
                ("overwrite:statuscode", "202"),
                ("overwrite:header.Location", "$response.body.executionArn"),
            ],
        );
        let a = answer(
            200,
            r#"{"executionArn":"arn:aws:states:r:1:execution:m:e","startDate":1.0}"#,
        );
        let shaped = shape(&p, &Request::default(), &a).expect("shaped");
        assert_eq!(shaped.status, 202);
        assert!(
            shaped
                .headers
                .contains(&("Location".into(), "arn:aws:states:r:1:execution:m:e".into()))
        );
    }

    #[test]
    fn only_the_answers_own_status_code_applies() {
        let p = params("500", &[("overwrite:statuscode", "503")]);
        let shaped = shape(&p, &Request::default(), &answer(200, "{}")).expect("shaped");
        assert_eq!(shaped.status, 200);
        let shaped = shape(&p, &Request::default(), &answer(500, "{}")).expect("shaped");
        assert_eq!(shaped.status, 503);
    }

    #[test]
    fn remove_then_overwrite_then_append_and_context_values() {
        let p = params(
            "400",
            &[
                ("remove:header.content-type", "''"),
                ("append:header.X-Trace", "${context.requestId}-a"),
                ("overwrite:header.X-Trace", "first"),
                ("overwrite:header.X-None", "$response.body.missing"),
            ],
        );
        let mut request = Request::default();
        request.context.insert("requestId".into(), "r1".into());
        let shaped = shape(&p, &request, &answer(400, "{}")).expect("shaped");
        assert_eq!(
            shaped.headers,
            vec![("X-Trace".to_string(), "first,r1-a".to_string())]
        );
    }

    #[test]
    fn a_dynamic_status_that_is_not_one_is_an_internal_error() {
        let p = params("200", &[("overwrite:statuscode", "$response.body.code")]);
        let ok = shape(&p, &Request::default(), &answer(200, r#"{"code":"418"}"#)).expect("shaped");
        assert_eq!(ok.status, 418);
        let err = shape(&p, &Request::default(), &answer(200, r#"{"code":"x"}"#)).unwrap_err();
        assert!(matches!(err, MappingError::Internal(m) if m.contains("not an HTTP status")));
    }
}
