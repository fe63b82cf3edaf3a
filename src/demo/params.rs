//! Request parameters from a form-encoded or JSON body, chosen by `Content-Type`.
//!
//! RFC 6749 mandates `application/x-www-form-urlencoded`; Anaplan's device endpoints take
//! JSON, so both are accepted. Following RFC 6749 §3.1, empty values count as omitted and
//! repeated parameters are refused.

use std::collections::HashMap;

use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use serde_json::Value;

use super::state::{ErrorCode, OAuthError};

/// Named string parameters of one request.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Params(HashMap<String, String>);

impl Params {
    /// Parses `body` as JSON when `Content-Type` says so, as a form otherwise.
    pub(crate) fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Self, OAuthError> {
        let content_type = headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("application/x-www-form-urlencoded");
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/json" => Self::from_json(body),
            "application/x-www-form-urlencoded" | "" => Self::from_form(body),
            _ => Err(invalid("unsupported Content-Type; send a form or JSON")),
        }
    }

    /// Parses an `application/x-www-form-urlencoded` body.
    pub(crate) fn from_form(body: &[u8]) -> Result<Self, OAuthError> {
        Self::from_pairs(
            url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())),
        )
    }

    fn from_json(body: &[u8]) -> Result<Self, OAuthError> {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
            return Err(invalid("the body is not a JSON object"));
        };
        let mut pairs = Vec::with_capacity(map.len());
        for (key, value) in map {
            let value = match value {
                Value::Null => continue,
                Value::String(s) => s,
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                Value::Array(_) | Value::Object(_) => {
                    return Err(invalid("parameters must be strings"));
                }
            };
            pairs.push((key, value));
        }
        Self::from_pairs(pairs)
    }

    fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Result<Self, OAuthError> {
        let mut map = HashMap::new();
        for (key, value) in pairs {
            if value.is_empty() {
                continue;
            }
            if map.insert(key, value).is_some() {
                return Err(invalid("a parameter was sent more than once"));
            }
        }
        Ok(Self(map))
    }

    /// The non-empty value of `name`, if sent.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The names of the parameters sent, sorted.
    pub(crate) fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.0.keys().cloned().collect();
        names.sort();
        names
    }

    /// The value of `name`, or an `invalid_request` error naming it.
    pub(crate) fn require(&self, name: &str, missing: &'static str) -> Result<&str, OAuthError> {
        self.get(name).ok_or_else(|| invalid(missing))
    }
}

fn invalid(description: &'static str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidRequest, description)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(content_type: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
        headers
    }

    #[test]
    fn form_and_json_bodies_give_the_same_params() {
        let form = Params::parse(
            &headers("application/x-www-form-urlencoded"),
            b"client_id=cli&scope=openid+email",
        )
        .unwrap();
        let json = Params::parse(
            &headers("application/json; charset=utf-8"),
            br#"{"client_id":"cli","scope":"openid email"}"#,
        )
        .unwrap();
        assert_eq!(form, json);
        assert_eq!(form.get("scope"), Some("openid email"));
    }

    #[test]
    fn empty_values_count_as_omitted() {
        let params = Params::from_form(b"client_id=&scope=x").unwrap();
        assert_eq!(params.get("client_id"), None);
        let err = params
            .require("client_id", "client_id is required")
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidRequest);
    }

    #[test]
    fn repeated_parameters_are_refused() {
        assert!(Params::from_form(b"a=1&a=2").is_err());
    }

    #[test]
    fn other_content_types_and_non_objects_are_refused() {
        assert!(Params::parse(&headers("text/plain"), b"a=1").is_err());
        assert!(Params::parse(&headers("application/json"), b"[1]").is_err());
    }
}
