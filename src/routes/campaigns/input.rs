//! Request bodies of the campaigns API and their validation into a [`CampaignDraft`].
//!
//! A campaign body is the whole campaign (`POST` and `PUT` take the same one):
//!
//! ```json
//! { "name": "Welcome", "time_zone": "America/New_York", "stop_on_reply": true, "on_reenrol": "ignore",
//!   "steps": [ { "template": "Hi {name}!", "delay": { "amount": 0, "unit": "minutes" } },
//!              { "template": "Still there?", "delay": { "amount": 2, "unit": "days" },
//!                "send_window": { "days": ["mon", "tue"], "start": "09:00", "end": "17:00" } } ] }
//! ```
//!
//! `stop_on_reply` defaults to true, `on_reenrol` to `"ignore"`, `steps` to none. Steps are
//! in array order, or each carries `position` (0-based, contiguous). The time zone and the
//! send windows are read by `drip_domain::send_window`, which schedules with them. Every
//! error is a sentence for the campaign author, numbering steps from 1 as the dashboard
//! shows them.

use drip_domain::send_window::{SendWindow, StepDelay, TimeZoneName};
use drip_domain::template::Template;
use drip_store::db::campaigns::{
    CampaignDraft, CampaignSettings, OnReenrol, StepDraft, delay_seconds, parse_delay_unit,
};
use serde::Deserialize;
use serde_json::Value;

use crate::error::UserError;

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_STEPS: usize = 50;
/// Twilio's limit on a message body; a template longer than that cannot render shorter.
pub const MAX_TEMPLATE_CHARS: usize = 1600;
pub const MAX_DELAY_SECONDS: i64 = 365 * 86_400;

#[derive(Debug, Deserialize)]
pub struct CampaignBody {
    name: Option<String>,
    time_zone: Option<String>,
    stop_on_reply: Option<bool>,
    on_reenrol: Option<String>,
    #[serde(default)]
    steps: Vec<StepBody>,
}

#[derive(Debug, Deserialize)]
struct StepBody {
    position: Option<i64>,
    template: Option<String>,
    delay: Option<DelayBody>,
    send_window: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct DelayBody {
    amount: u32,
    unit: String,
}

impl CampaignBody {
    /// Validates the body; `new_id` names each step (a fresh uuid).
    pub fn into_draft(self, mut new_id: impl FnMut() -> String) -> Result<CampaignDraft, UserError> {
        let settings = CampaignSettings {
            name: parse_name(self.name.as_deref())?,
            time_zone: parse_time_zone(self.time_zone.as_deref())?,
            stop_on_reply: self.stop_on_reply.unwrap_or(true),
            on_reenrol: parse_on_reenrol(self.on_reenrol.as_deref())?,
        };
        let steps = in_order(self.steps)?
            .into_iter()
            .enumerate()
            .map(|(position, step)| step.into_draft(position, new_id()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CampaignDraft { settings, steps })
    }
}

fn parse_name(name: Option<&str>) -> Result<String, UserError> {
    let name = name.map(str::trim).unwrap_or_default();
    let chars = name.chars().count();
    if chars == 0 {
        return Err(UserError::new("Campaign name missing", "Give the campaign a name."));
    }
    if chars > MAX_NAME_CHARS {
        return Err(UserError::new(
            "Campaign name too long",
            format!("The name has {chars} characters; a campaign name can have at most {MAX_NAME_CHARS}."),
        ));
    }
    Ok(name.to_owned())
}

/// An IANA time zone name, stored in its canonical spelling (`europe/paris` becomes
/// `Europe/Paris`). Abbreviations such as `EST` are refused: they do not say where
/// daylight saving applies.
fn parse_time_zone(zone: Option<&str>) -> Result<String, UserError> {
    match zone.map(str::trim).filter(|zone| !zone.is_empty()) {
        None => Err(UserError::new(
            "Time zone missing",
            "Choose the time zone the campaign's send windows are in, such as America/New_York.",
        )),
        Some(zone) => TimeZoneName::parse(zone)
            .map(|zone| zone.as_str().to_owned())
            .map_err(|error| UserError::new("Time zone not valid", sentence(&error.to_string()))),
    }
}

fn parse_on_reenrol(value: Option<&str>) -> Result<OnReenrol, UserError> {
    match value {
        None => Ok(OnReenrol::default()),
        Some(text) => OnReenrol::parse(text.trim()).ok_or_else(|| {
            UserError::new(
                "Re-enrolment choice not valid",
                "on_reenrol must be \"ignore\" (keep a running enrolment) or \"restart\" (start over).",
            )
        }),
    }
}

/// The steps in order: as listed, or by their `position` when they carry one.
fn in_order(mut steps: Vec<StepBody>) -> Result<Vec<StepBody>, UserError> {
    if steps.len() > MAX_STEPS {
        return Err(UserError::new(
            "Too many steps",
            format!("The campaign has {} steps; a campaign can have at most {MAX_STEPS}.", steps.len()),
        ));
    }
    let positioned = steps.iter().filter(|step| step.position.is_some()).count();
    if positioned == 0 {
        return Ok(steps);
    }
    steps.sort_by_key(|step| step.position);
    let contiguous =
        positioned == steps.len() && steps.iter().enumerate().all(|(index, step)| step.position == Some(index as i64));
    if !contiguous {
        return Err(UserError::new(
            "Step order not valid",
            "Step positions must be 0, 1, 2 and so on, each used once with none skipped \
             (or leave them out and list the steps in order).",
        ));
    }
    Ok(steps)
}

impl StepBody {
    fn into_draft(self, position: usize, id: String) -> Result<StepDraft, UserError> {
        let label = format!("Step {}", position + 1);
        let template = parse_template(self.template.as_deref(), &label)?;
        let delay = parse_delay(self.delay, position, &label)?;
        let send_window = match self.send_window {
            None | Some(Value::Null) => None,
            Some(window) => Some(check_send_window(window, &label)?),
        };
        Ok(StepDraft { id, template, delay, send_window })
    }
}

fn parse_template(text: Option<&str>, label: &str) -> Result<String, UserError> {
    let text = text.unwrap_or_default();
    if text.trim().is_empty() {
        return Err(UserError::new(
            format!("{label} has no text"),
            format!("Write the text of {}.", label.to_lowercase()),
        ));
    }
    let chars = text.chars().count();
    if chars > MAX_TEMPLATE_CHARS {
        return Err(UserError::new(
            format!("{label} text too long"),
            format!("The text has {chars} characters; an SMS can have at most {MAX_TEMPLATE_CHARS}."),
        ));
    }
    Template::parse(text).map_err(|error| UserError::new(format!("{label} text not valid"), error.to_string()))?;
    Ok(text.to_owned())
}

/// The first step may go at once (amount 0); later ones wait at least a minute after the
/// step before them, so two texts never arrive as one burst.
fn parse_delay(delay: Option<DelayBody>, position: usize, label: &str) -> Result<StepDelay, UserError> {
    let invalid = |description: String| UserError::new(format!("{label} delay not valid"), description);
    let Some(delay) = delay else {
        return if position == 0 {
            Ok(StepDelay::minutes(0))
        } else {
            Err(invalid(format!("Say how long {} waits after the step before it.", label.to_lowercase())))
        };
    };
    let unit = parse_delay_unit(&delay.unit)
        .ok_or_else(|| invalid("The delay unit must be \"minutes\", \"hours\" or \"days\".".into()))?;
    let delay = StepDelay { amount: delay.amount, unit };
    if delay.amount == 0 && position > 0 {
        return Err(invalid(format!(
            "Only the first step can be sent at once: {} must wait at least 1 minute after the step before it.",
            label.to_lowercase()
        )));
    }
    if delay_seconds(delay) > MAX_DELAY_SECONDS {
        return Err(invalid("A step can wait at most 365 days.".into()));
    }
    Ok(delay)
}

/// Read through the send-window code, which owns the format
/// (`{"days": ["mon", "fri"], "start": "09:00", "end": "17:30"}`; an end before the start
/// runs past midnight), and stored in its canonical form: what the scheduler reads back.
fn check_send_window(window: Value, label: &str) -> Result<Value, UserError> {
    let invalid = |description: String| UserError::new(format!("{label} send window not valid"), description);
    let window: SendWindow = serde_json::from_value(window).map_err(|error| {
        invalid(format!(
            "{} The window looks like {{\"days\": [\"mon\", \"tue\"], \"start\": \"09:00\", \"end\": \"17:00\"}}.",
            sentence(&error.to_string())
        ))
    })?;
    serde_json::to_value(window).map_err(|_| invalid("The send window cannot be stored.".into()))
}

/// An error message as a sentence: capitalised, ending with a full stop.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut sentence: String =
        chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default();
    if !sentence.ends_with('.') {
        sentence.push('.');
    }
    sentence
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn draft(body: Value) -> Result<CampaignDraft, UserError> {
        let mut next = 0;
        serde_json::from_value::<CampaignBody>(body).unwrap().into_draft(|| {
            next += 1;
            format!("id-{next}")
        })
    }

    fn error(body: Value) -> String {
        draft(body).unwrap_err().to_string()
    }

    #[test]
    fn a_minimal_body_takes_the_defaults() {
        let draft = draft(json!({ "name": " Welcome ", "time_zone": "Europe/Paris" })).unwrap();
        assert_eq!(draft.settings.name, "Welcome");
        assert!(draft.settings.stop_on_reply);
        assert_eq!(draft.settings.on_reenrol, OnReenrol::Ignore);
        assert!(draft.steps.is_empty());
    }

    #[test]
    fn steps_follow_their_positions_and_the_first_may_go_at_once() {
        let draft = draft(json!({ "name": "W", "time_zone": "UTC", "steps": [
            { "position": 1, "template": "Two", "delay": { "amount": 2, "unit": "days" } },
            { "position": 0, "template": "One" },
        ]}))
        .unwrap();
        assert_eq!(draft.steps[0].template, "One");
        assert_eq!(draft.steps[0].delay, StepDelay::minutes(0));
        assert_eq!(draft.steps[1].delay, StepDelay::days(2));
        assert_eq!((draft.steps[0].id.as_str(), draft.steps[1].id.as_str()), ("id-1", "id-2"));
    }

    #[test]
    fn every_invalid_field_is_named_in_a_readable_sentence() {
        let tz = "UTC";
        let cases = [
            (json!({ "time_zone": tz }), "Campaign name missing"),
            (json!({ "name": "x".repeat(101), "time_zone": tz }), "at most 100"),
            (json!({ "name": "W" }), "Time zone missing"),
            (json!({ "name": "W", "time_zone": "Mars/Olympus" }), "not a time zone we know"),
            (json!({ "name": "W", "time_zone": "EST" }), "abbreviation"),
            (json!({ "name": "W", "time_zone": tz, "on_reenrol": "twice" }), "\"ignore\""),
            (json!({ "name": "W", "time_zone": tz, "steps": [{ "template": "" }] }), "Step 1 has no text"),
            (json!({ "name": "W", "time_zone": tz, "steps": [{ "template": "Hi {name" }] }), "never closed"),
            (
                json!({ "name": "W", "time_zone": tz, "steps": [{ "template": "A" }, { "template": "B" }] }),
                "Step 2 delay not valid",
            ),
            (
                json!({ "name": "W", "time_zone": tz, "steps": [
                    { "template": "A" }, { "template": "B", "delay": { "amount": 0, "unit": "hours" } }] }),
                "at least 1 minute",
            ),
            (
                json!({ "name": "W", "time_zone": tz, "steps": [{ "template": "A", "delay": { "amount": 1, "unit": "weeks" } }] }),
                "\"minutes\", \"hours\" or \"days\"",
            ),
            (
                json!({ "name": "W", "time_zone": tz, "steps": [{ "template": "A", "delay": { "amount": 366, "unit": "days" } }] }),
                "365 days",
            ),
            (
                json!({ "name": "W", "time_zone": tz, "steps": [{ "position": 1, "template": "A" }] }),
                "Step order not valid",
            ),
            (
                json!({ "name": "W", "time_zone": tz, "steps": [{ "template": "A", "send_window": { "days": [], "start": "09:00", "end": "17:00" } }] }),
                "at least one day",
            ),
            (
                json!({ "name": "W", "time_zone": tz, "steps": [{ "template": "A", "send_window": { "days": ["mon"], "start": "9am", "end": "17:00" } }] }),
                "HH:MM",
            ),
            (
                json!({ "name": "W", "time_zone": tz, "steps": [{ "template": "A", "send_window": { "days": ["someday"], "start": "09:00", "end": "17:00" } }] }),
                "not a day of the week",
            ),
            (
                json!({ "name": "W", "time_zone": tz, "steps": [{ "template": "A", "send_window": "weekdays" }] }),
                "Step 1 send window not valid",
            ),
        ];
        for (body, expected) in cases {
            let message = error(body.clone());
            assert!(message.contains(expected), "{body}: {message}");
        }
    }

    #[test]
    fn a_send_window_is_stored_in_its_canonical_form_and_the_zone_in_its_canonical_spelling() {
        let window = json!({ "days": ["Friday", "mon"], "start": "09:00", "end": "17:30" });
        let draft = draft(
            json!({ "name": "W", "time_zone": "europe/paris", "steps": [{ "template": "A", "send_window": window }] }),
        )
        .unwrap();
        assert_eq!(draft.settings.time_zone, "Europe/Paris");
        assert_eq!(
            draft.steps[0].send_window,
            Some(json!({ "days": ["mon", "fri"], "start": "09:00", "end": "17:30" }))
        );
    }
}
