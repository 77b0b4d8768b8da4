//! The in-memory board behind the default `items(ids:)` answer, shaped like spec §8.2:
//! `value` is a JSON *string*, `text` is `""` when empty, phone columns add `phone` and
//! `country_short_name`.

use serde_json::{Value, json};

use super::query::{argument, id_list};
use super::server::MondayStandIn;

#[derive(Default)]
pub(super) struct Board {
    items: Vec<StoredItem>,
}

struct StoredItem {
    board_id: String,
    item_id: String,
    name: String,
    columns: Vec<StoredColumn>,
}

struct StoredColumn {
    id: String,
    title: String,
    column_type: String,
    text: String,
    /// The parsed value; `Null` for an empty column.
    value: Value,
}

impl MondayStandIn {
    /// Adds (or replaces) an item. Each column is `(column_id, title, type, text, value)`,
    /// with `value` the parsed JSON value (`Value::Null` when empty), e.g.
    /// `("phone", "Phone", "phone", "+12025550169", json!({"phone": "+12025550169", "countryShortName": "US"}))`.
    pub fn add_item(&self, board_id: u64, item_id: u64, name: &str, columns: Vec<(&str, &str, &str, &str, Value)>) {
        let columns = columns
            .into_iter()
            .map(|(id, title, column_type, text, value)| StoredColumn {
                id: id.to_owned(),
                title: title.to_owned(),
                column_type: column_type.to_owned(),
                text: text.to_owned(),
                value,
            })
            .collect();
        let item =
            StoredItem { board_id: board_id.to_string(), item_id: item_id.to_string(), name: name.to_owned(), columns };
        let items = &mut self.lock().board.items;
        items.retain(|existing| existing.item_id != item.item_id);
        items.push(item);
    }
}

impl Board {
    /// `{"items": [...]}` for the ids (and column ids) the query asks for.
    pub fn answer_items(&self, query: &str, variables: &Value) -> Value {
        let item_ids = argument(query, "items", "ids", variables).map(|v| id_list(&v));
        let column_ids = argument(query, "column_values", "ids", variables).map(|v| id_list(&v));
        let items: Vec<Value> = self
            .items
            .iter()
            .filter(|item| item_ids.as_ref().is_none_or(|ids| ids.contains(&item.item_id)))
            .map(|item| item.to_json(column_ids.as_deref()))
            .collect();
        json!({ "items": items })
    }
}

impl StoredItem {
    fn to_json(&self, column_ids: Option<&[String]>) -> Value {
        let columns: Vec<Value> = self
            .columns
            .iter()
            .filter(|c| column_ids.is_none_or(|ids| ids.contains(&c.id)))
            .map(StoredColumn::to_json)
            .collect();
        json!({
            "id": self.item_id,
            "name": self.name,
            "board": { "id": self.board_id },
            "column_values": columns,
        })
    }
}

impl StoredColumn {
    fn to_json(&self) -> Value {
        let value = (!self.value.is_null()).then(|| self.value.to_string());
        let mut json = json!({
            "id": self.id,
            "type": self.column_type,
            "text": self.text,
            "value": value,
            "column": { "title": self.title },
        });
        if self.column_type == "phone" {
            json["phone"] = self.value.get("phone").cloned().unwrap_or(Value::Null);
            json["country_short_name"] = self.value.get("countryShortName").cloned().unwrap_or(Value::Null);
        }
        json
    }
}
