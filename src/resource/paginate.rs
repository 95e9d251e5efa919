//! The one pagination loop for API Gateway's list calls (GetApis, GetRoutes, GetIntegrations,
//! GetStages, GetAuthorizers), which the SDK has no paginators for. IAM's list calls use the
//! SDK's own paginators (`into_paginator()`).

use std::future::Future;

use crate::error::AwsError;

/// One page: its items, and the token of the next page (`None` or empty on the last).
pub(crate) type Page<T> = (Vec<T>, Option<String>);

/// Asks `fetch` for page after page, passing the previous page's `NextToken`, until a page comes
/// without one. A token the server hands back twice in a row would loop forever: that is an
/// error naming `call`. (botocore apigatewayv2 model, e.g. `GetRoutesResponse.NextToken`: "The
/// next page of elements from this collection. Not valid for the last element of the
/// collection.")
pub(crate) async fn paginate<T, F, Fut>(
    call: &'static str,
    resource: &str,
    mut fetch: F,
) -> Result<Vec<T>, AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, AwsError>>,
{
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let (items, next) = fetch(token.clone()).await?;
        out.extend(items);
        let next = next.filter(|t| !t.is_empty());
        match next {
            None => return Ok(out),
            Some(next) if token.as_ref() == Some(&next) => {
                return Err(AwsError::invalid(
                    call,
                    resource,
                    "the service returned the same NextToken twice; stopped instead of looping",
                ));
            }
            Some(next) => token = Some(next),
        }
    }
}

/// A field a listed item must carry for the tool to act on it (an id, a route key, a name). An
/// item without one is an error naming the call, never an empty string: a reconciler that took
/// `""` would plan against an id nothing has (a route targeting `integrations/`, a delete that
/// deletes nothing) or match unrelated items to one another.
pub(crate) fn required(
    value: Option<&str>,
    call: &'static str,
    resource: &str,
    field: &str,
) -> Result<String, AwsError> {
    match value.filter(|v| !v.is_empty()) {
        Some(v) => Ok(v.to_string()),
        None => Err(AwsError::invalid(
            call,
            resource,
            format!("the answer lists an item without a {field}; nothing was planned on a partial answer"),
        )),
    }
}

/// Every item of one of the API's collections: the paginated `$call`, whose request for a page
/// is `$request` (with `$token` the page's token), each item converted by
/// `$convert(item, resource)`. One macro rather than a generic function: each operation's
/// builder and output are distinct SDK types.
macro_rules! list_children {
    ($call:literal, $api_id:expr, |$token:ident| $request:expr, $convert:expr) => {{
        let resource = format!("API {}", $api_id);
        $crate::resource::paginate::paginate($call, &resource, |$token| {
            let resource = &resource;
            async move {
                let page = $request
                    .send()
                    .await
                    .map_err(|e| $crate::error::AwsError::new($call, resource, e))?;
                let items = page
                    .items()
                    .iter()
                    .map(|item| $convert(item, resource))
                    .collect::<Result<_, _>>()?;
                Ok((items, page.next_token))
            }
        })
        .await
    }};
}

pub(crate) use list_children;

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    #[tokio::test]
    async fn pages_are_followed_until_one_comes_without_a_token() {
        let asked = RefCell::new(Vec::new());
        let items = paginate("GetRoutes", "API a", |token| {
            asked.borrow_mut().push(token.clone());
            async move {
                Ok(match token.as_deref() {
                    None => (vec![1, 2], Some("t2".to_string())),
                    Some("t2") => (vec![3], Some(String::new())),
                    _ => panic!("asked past the last page"),
                })
            }
        })
        .await
        .expect("pages");
        assert_eq!(items, [1, 2, 3]);
        assert_eq!(*asked.borrow(), [None, Some("t2".to_string())]);
    }

    #[tokio::test]
    async fn a_token_handed_back_twice_is_an_error_not_a_loop() {
        let calls = RefCell::new(0);
        let err = paginate("GetStages", "API a", |_| {
            *calls.borrow_mut() += 1;
            async { Ok((vec![0], Some("same".to_string()))) }
        })
        .await
        .expect_err("loop detected");
        assert_eq!(err.call, "GetStages");
        assert_eq!(*calls.borrow(), 2);
    }

    #[test]
    fn a_missing_or_empty_field_is_an_error_naming_the_call() {
        for value in [None, Some("")] {
            let err = required(value, "GetIntegrations", "API a", "IntegrationId").expect_err("missing");
            assert_eq!(err.call, "GetIntegrations");
            assert!(err.message.contains("IntegrationId"), "{}", err.message);
        }
        assert_eq!(
            required(Some("i1"), "GetIntegrations", "API a", "IntegrationId")
                .ok()
                .as_deref(),
            Some("i1")
        );
    }
}
