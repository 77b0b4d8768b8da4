//! The one application error type, and how it answers.
//!
//! Client errors become a 4xx with a stable JSON body `{"error": {"code", "message"}}`.
//! Anything unexpected becomes an opaque 500; its detail is logged once, inside the
//! request span, by [`log_unexpected_errors`] (the conversion itself has no side effects).
//! Where monday is the caller of an action, [`MondayActionError`] renders the same error in
//! monday's severity shape (spec/monday.md §3) instead.

use axum::Json;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A missing or invalid monday JWT or Twilio signature.
    #[error("{0}")]
    Unauthorized(String),
    /// A malformed request body or parameter.
    #[error("{0}")]
    BadRequest(String),
    /// A well-formed request a user must fix.
    #[error("{0}")]
    User(UserError),
    #[error("not found")]
    NotFound,
    /// A dependency is down or busy; the caller should retry.
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What a monday user reads in the automation's notification and activity log.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{title}: {description}")]
pub struct UserError {
    pub status: StatusCode,
    pub title: String,
    pub description: String,
    /// monday should disable the automation (severity 6000): it cannot work until the
    /// user changes something.
    pub disable_automation: bool,
}

impl UserError {
    /// A 422 that fails this run only.
    pub fn new(title: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            title: title.into(),
            description: description.into(),
            disable_automation: false,
        }
    }

    pub fn disabling(mut self) -> Self {
        self.disable_automation = true;
        self
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}

impl From<UserError> for Error {
    fn from(error: UserError) -> Self {
        Self::User(error)
    }
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::User(user) => user.status,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized(_) => "unauthorized",
            Self::BadRequest(_) => "bad_request",
            Self::User(_) => "user_error",
            Self::NotFound => "not_found",
            Self::Unavailable(_) => "unavailable",
            Self::Unexpected(_) => "internal",
        }
    }

    /// What the caller may read: never the detail of an unexpected error.
    fn public_message(&self) -> String {
        match self {
            Self::Unexpected(_) => "internal error".to_owned(),
            other => other.to_string(),
        }
    }
}

/// Carried in the response extensions so the logging middleware can report it.
#[derive(Debug, Clone)]
struct UnexpectedDetail(String);

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code(), "message": self.public_message() } });
        let mut response = (self.status(), Json(body)).into_response();
        if let Self::Unexpected(error) = &self {
            response.extensions_mut().insert(UnexpectedDetail(format!("{error:#}")));
        }
        response
    }
}

/// An error answered to monday's action runner, in monday's severity shape.
///
/// Severity 4000 fails this run only; 6000 (for `disable_automation`) makes monday disable
/// the automation. 4xx and severity bodies are not retried by monday; a 5xx without
/// severity is, which is what a transient failure wants (spec/monday.md §2.3, §3).
#[derive(Debug)]
pub struct MondayActionError(pub Error);

impl From<Error> for MondayActionError {
    fn from(error: Error) -> Self {
        Self(error)
    }
}

impl From<UserError> for MondayActionError {
    fn from(error: UserError) -> Self {
        Self(Error::User(error))
    }
}

impl IntoResponse for MondayActionError {
    fn into_response(self) -> Response {
        let error = self.0;
        let (title, description, disable) = match &error {
            Error::User(user) => (user.title.clone(), user.description.clone(), user.disable_automation),
            Error::Unavailable(_) | Error::Unexpected(_) => return error.into_response(),
            other => ("Request rejected".to_owned(), other.public_message(), false),
        };
        let mut body = json!({
            "severityCode": if disable { 6000 } else { 4000 },
            "notificationErrorTitle": title,
            "notificationErrorDescription": description,
            "runtimeErrorDescription": format!("{title}: {description}"),
        });
        if disable {
            body["disableErrorDescription"] = json!(format!("Automation disabled: {description}"));
        }
        (error.status(), Json(body)).into_response()
    }
}

/// Logs the detail of every unexpected error once, inside the request's span.
pub async fn log_unexpected_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if let Some(UnexpectedDetail(detail)) = response.extensions().get::<UnexpectedDetail>() {
        tracing::error!(error = %detail, "request failed unexpectedly");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_json(response: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn unexpected_errors_answer_an_opaque_500() {
        let response = Error::Unexpected(anyhow::anyhow!("db password is hunter2")).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = body_json(response).await;
        assert_eq!(body["error"]["message"], "internal error");
        assert!(!body.to_string().contains("hunter2"));
    }

    #[tokio::test]
    async fn a_user_error_reaches_monday_with_severity_4000_and_a_readable_notification() {
        let error = UserError::new("Phone number missing", "Item 'Jane' has no phone number.").into();
        let response = MondayActionError(error).into_response();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = body_json(response).await;
        assert_eq!(body["severityCode"], 4000);
        assert_eq!(body["notificationErrorTitle"], "Phone number missing");
        assert!(body.get("disableErrorDescription").is_none());
    }

    #[tokio::test]
    async fn an_error_that_disables_the_automation_carries_severity_6000() {
        let error = UserError::new("Twilio account disconnected", "Reconnect your Twilio account.").disabling().into();
        let body = body_json(MondayActionError(error).into_response()).await;
        assert_eq!(body["severityCode"], 6000);
        assert!(body["disableErrorDescription"].as_str().unwrap().contains("Reconnect"));
    }

    #[tokio::test]
    async fn a_transient_failure_reaches_monday_as_a_plain_5xx_so_monday_retries() {
        let response = MondayActionError(Error::Unavailable("Twilio is down".into())).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(body_json(response).await.get("severityCode").is_none());
    }
}
