//! `AppJson`: axum's `Json` extractor answering with our error shape, so a bad body gets
//! `{"error": {"code", "message"}}` like every other error (axum's own rejections are
//! plain text).

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;

use crate::error::{Error, UserError};

/// A JSON request body. Not JSON (or no JSON content type): 400. JSON of the wrong shape
/// (a missing field, a string where a number belongs): 422 naming the field.
pub struct AppJson<T>(pub T);

impl<S, T> FromRequest<S> for AppJson<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Error> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(rejection_error(&rejection)),
        }
    }
}

fn rejection_error(rejection: &JsonRejection) -> Error {
    match rejection {
        JsonRejection::JsonDataError(error) => {
            let text = error.body_text();
            let detail =
                text.strip_prefix("Failed to deserialize the JSON body into the target type: ").unwrap_or(&text);
            UserError::new("Request not valid", detail.to_owned()).into()
        }
        JsonRejection::JsonSyntaxError(_) => Error::BadRequest("the request body is not valid JSON".into()),
        JsonRejection::MissingJsonContentType(_) => {
            Error::BadRequest("send the request body as JSON, with Content-Type: application/json".into())
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            UserError::new("Request too large", "The request body is larger than the service accepts.")
                .with_status(StatusCode::PAYLOAD_TOO_LARGE)
                .into()
        }
        other => Error::BadRequest(other.body_text()),
    }
}
