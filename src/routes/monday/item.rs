//! Reading the board item a block request is about, with the request's short-lived token:
//! its phone number and the fields a template uses.

use drip_clients::monday::{Item, MondayApiError};
use drip_domain::PhoneNumber;
use secrecy::SecretString;

use crate::error::{Error, UserError};
use crate::startup::AppState;

pub async fn read_item(state: &AppState, token: &SecretString, item_id: i64) -> Result<Item, Error> {
    let item = state.monday.read_item(token, item_id, None).await.map_err(|error| monday_error(&error))?;
    item.ok_or_else(|| {
        UserError::new("Item not found", format!("Item {item_id} no longer exists or cannot be read by the app."))
            .into()
    })
}

fn monday_error(error: &MondayApiError) -> Error {
    match error {
        MondayApiError::Application { .. } | MondayApiError::Permanent { .. } => {
            UserError::new("monday could not read the item", error.to_string()).into()
        }
        // Rate limits, outages and an expired short-lived token: monday's retry brings a
        // fresh token and usually a fresh budget.
        _ => Error::Unavailable(format!("monday is not answering: {error}")),
    }
}

/// The item's phone number, from its phone column (or a text column holding a number).
pub fn phone_of(item: &Item, column_id: &str) -> Result<PhoneNumber, UserError> {
    let item_name = display_name(&item.name);
    let column = item.phone_column(column_id).ok_or_else(|| {
        UserError::new(
            "Phone column not found",
            format!("The board has no column with id '{column_id}': choose the phone column again."),
        )
        .disabling()
    })?;
    let parsed = match &column.value {
        Some(value) if value.is_object() => PhoneNumber::from_monday_value(&value.to_string()),
        _ => PhoneNumber::from_monday_text(&column.text, None),
    };
    parsed.map_err(|error| {
        if column.text.trim().is_empty() {
            UserError::new(
                "Phone number missing",
                format!("Item {item_name} has no value in the {} column.", column.title),
            )
        } else {
            UserError::new("Phone number not valid", format!("Item {item_name}: {error}"))
        }
    })
}

/// The item's name for a message, unless it looks like it could be a phone number.
fn display_name(name: &str) -> String {
    if name.chars().filter(char::is_ascii_digit).count() >= 5 { "this item".to_owned() } else { format!("'{name}'") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_names_that_could_be_phone_numbers_are_not_repeated_in_errors() {
        assert_eq!(display_name("Jane"), "'Jane'");
        assert_eq!(display_name("+1 202 555 0169"), "this item");
    }
}
