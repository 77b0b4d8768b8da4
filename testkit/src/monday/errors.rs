//! One helper per error shape of spec §8.4, each queueing a scripted answer for the next
//! GraphQL call. Shapes follow monday's docs where they exist and observed traffic where
//! they do not (the HTTP status of complexity errors varies, so both are offered).

use serde_json::json;

use super::server::MondayStandIn;

impl MondayStandIn {
    /// `COMPLEXITY_BUDGET_EXHAUSTED` (2025-04 shape) with `retry_in_seconds`, under
    /// `http_status` 200 or 429.
    pub fn push_complexity_budget_exhausted(&self, http_status: u16, retry_in_seconds: u64) {
        let body = json!({ "errors": [{ "message": "Complexity budget exhausted",
            "extensions": { "code": "COMPLEXITY_BUDGET_EXHAUSTED", "complexity": 6182,
                "complexity_budget_left": 100, "complexity_budget_limit": 5_000_000,
                "retry_in_seconds": retry_in_seconds, "status_code": 429 } }],
            "extensions": { "request_id": "stand-in-request" } });
        self.push_response(http_status, body, &[]);
    }

    /// Legacy `error_code: "ComplexityException"` with the wait only in the message text
    /// ("… reset in N seconds"), under `http_status` 200 or 429.
    pub fn push_legacy_complexity_exception(&self, http_status: u16, reset_in_seconds: u64) {
        let message = format!(
            "Complexity budget exhausted, query cost 30001 budget remaining 100 out of \
             1000000 reset in {reset_in_seconds} seconds"
        );
        let body = json!({ "error_code": "ComplexityException", "status_code": 429,
            "error_message": message, "error_data": {}, "account_id": 1 });
        self.push_response(http_status, body, &[]);
    }

    /// HTTP 429 "Rate Limit Exceeded" whose only wait is the `Retry-After` header.
    pub fn push_rate_limit_exceeded(&self, retry_after_seconds: u64) {
        let body = json!({ "errors": [{ "message": "Rate Limit Exceeded",
            "extensions": { "code": "RATE_LIMIT_EXCEEDED", "status_code": 429 } }] });
        self.push_response(429, body, &[("retry-after", &retry_after_seconds.to_string())]);
    }

    /// `DAILY_LIMIT_EXCEEDED`: the account's daily call quota is spent.
    pub fn push_daily_limit_exceeded(&self) {
        let body = json!({ "errors": [{ "message": "Daily limit exceeded",
            "extensions": { "code": "DAILY_LIMIT_EXCEEDED", "status_code": 429 } }] });
        self.push_response(429, body, &[]);
    }

    /// HTTP 423 "Resource is currently locked", with `Retry-After` when given.
    pub fn push_resource_locked(&self, retry_after_seconds: Option<u64>) {
        let body = json!({ "error_message": "Resource is currently locked", "status_code": 423 });
        match retry_after_seconds {
            Some(seconds) => self.push_response(423, body, &[("retry-after", &seconds.to_string())]),
            None => self.push_response(423, body, &[]),
        }
    }

    /// HTTP 401 for a bad or expired token.
    pub fn push_unauthorized(&self) {
        let body = json!({ "errors": [{ "message": "Not Authenticated",
            "extensions": { "code": "UNAUTHENTICATED", "status_code": 401 } }] });
        self.push_response(401, body, &[]);
    }

    /// HTTP 401 `OAUTH21_TOKEN_REQUIRED`: a legacy token on API version 2027-04 or later.
    pub fn push_oauth21_token_required(&self) {
        let body = json!({ "errors": [{ "message": "This API version requires an OAuth 2.1 token",
            "extensions": { "code": "OAUTH21_TOKEN_REQUIRED", "status_code": 401 } }] });
        self.push_response(401, body, &[]);
    }

    /// HTTP 200 with an application error, e.g. `ColumnValueException`.
    pub fn push_application_error(&self, code: &str, message: &str) {
        let body = json!({ "data": null, "errors": [{ "message": message, "path": ["stand_in"],
            "extensions": { "code": code, "status_code": 200 } }],
            "extensions": { "request_id": "stand-in-request" } });
        self.push_response(200, body, &[]);
    }

    /// HTTP 504 with the gateway's HTML page instead of JSON.
    pub fn push_gateway_timeout_html(&self) {
        let page = "<html><head><title>504 Gateway Time-out</title></head>\
                    <body><center><h1>504 Gateway Time-out</h1></center></body></html>";
        self.push_raw_response(504, "text/html", page, &[]);
    }
}
