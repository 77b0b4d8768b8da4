//! Reading one item with its column values (spec §8.2): the phone to text and the fields
//! a message template fills in.
//!
//! monday answers a deleted or invisible item with an empty `items` list, not an error,
//! so that case is `Ok(None)`. A response that is not shaped like the query is
//! `Permanent`: sending the same query again would get the same answer.

use std::fmt;

use drip_domain::template::{ColumnField, ItemFields};
use secrecy::SecretString;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use super::client::MondayClient;
use super::error::MondayApiError;

const ITEM_QUERY: &str = "query ($itemIds: [ID!], $columnIds: [String!]) { items(ids: $itemIds) { \
     id name board { id } column_values(ids: $columnIds) { id type text value column { title } } } }";
/// Without `ids`, `column_values` returns every column; passing `null` for `$columnIds`
/// would not be read the same way everywhere, so the argument is left out instead.
const ITEM_QUERY_ALL_COLUMNS: &str = "query ($itemIds: [ID!]) { items(ids: $itemIds) { \
     id name board { id } column_values { id type text value column { title } } } }";

/// An item as monday returned it. `Debug` hides the name and every column's text and
/// value: they are personal data (names, phone numbers).
#[derive(Clone, PartialEq)]
pub struct Item {
    pub id: i64,
    pub name: String,
    /// `None` when monday withholds the board.
    pub board_id: Option<i64>,
    /// The columns asked for, in monday's order; all of them when none were named.
    pub columns: Vec<ItemColumn>,
}

/// One column value of an item.
#[derive(Clone, PartialEq)]
pub struct ItemColumn {
    pub id: String,
    pub title: String,
    /// monday's column type, e.g. `phone`, `text`, `status`.
    pub column_type: String,
    /// What the board shows; `""` when empty (or when monday sends no text, as for
    /// mirror columns).
    pub text: String,
    /// The column's `value`, parsed from the JSON string monday sends. `None` when the
    /// column is empty. For a phone column, e.g.
    /// `{"phone":"+12025550169","countryShortName":"US"}`.
    pub value: Option<Value>,
}

impl Item {
    /// The column with this id, whatever its type: a text column holding numbers is as
    /// good a phone column as a `phone` one. Parse what it holds with
    /// `drip_domain::PhoneNumber` (`from_monday_value` on `value`, else
    /// `from_monday_text` on `text`).
    pub fn phone_column(&self, id: &str) -> Option<&ItemColumn> {
        self.columns.iter().find(|column| column.id == id)
    }
}

impl From<&Item> for ItemFields {
    fn from(item: &Item) -> Self {
        Self {
            name: item.name.clone(),
            columns: item
                .columns
                .iter()
                .map(|column| ColumnField {
                    id: column.id.clone(),
                    title: column.title.clone(),
                    text: column.text.clone(),
                })
                .collect(),
        }
    }
}

impl From<Item> for ItemFields {
    fn from(item: Item) -> Self {
        Self {
            name: item.name,
            columns: item
                .columns
                .into_iter()
                .map(|column| ColumnField { id: column.id, title: column.title, text: column.text })
                .collect(),
        }
    }
}

impl MondayClient {
    /// Reads an item's name, board and column values.
    ///
    /// `column_ids` limits the columns read (cheaper); `None` reads them all, which a
    /// template naming columns by title needs.
    ///
    /// # Errors
    /// Every error class of [`graphql`](Self::graphql), and `Permanent` when the answer is
    /// not shaped like an `items` list. A missing item is `Ok(None)`, not an error.
    #[tracing::instrument(name = "monday.read_item", skip(self, token, column_ids))]
    pub async fn read_item(
        &self,
        token: &SecretString,
        item_id: i64,
        column_ids: Option<&[String]>,
    ) -> Result<Option<Item>, MondayApiError> {
        let item_ids = [item_id.to_string()];
        let (query, variables) = match column_ids {
            Some(column_ids) => (ITEM_QUERY, json!({ "itemIds": item_ids, "columnIds": column_ids })),
            None => (ITEM_QUERY_ALL_COLUMNS, json!({ "itemIds": item_ids })),
        };
        let data = self.graphql(token, query, variables).await?;
        parse_items(data)?.into_iter().next().map(RawItem::into_item).transpose()
    }
}

#[derive(Deserialize)]
struct ItemsData {
    #[serde(default)]
    items: Option<Vec<RawItem>>,
}

#[derive(Deserialize)]
struct RawItem {
    #[serde(deserialize_with = "id_text")]
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    board: Option<RawBoard>,
    #[serde(default)]
    column_values: Option<Vec<RawColumnValue>>,
}

#[derive(Deserialize)]
struct RawBoard {
    #[serde(deserialize_with = "id_text")]
    id: String,
}

#[derive(Deserialize)]
struct RawColumnValue {
    id: String,
    #[serde(rename = "type", default)]
    column_type: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    column: Option<RawColumn>,
}

#[derive(Deserialize)]
struct RawColumn {
    #[serde(default)]
    title: Option<String>,
}

/// `items` is `null` when monday failed only that field; with no `errors` beside it,
/// that means no item either.
fn parse_items(data: Value) -> Result<Vec<RawItem>, MondayApiError> {
    let data: ItemsData = serde_json::from_value(data)
        .map_err(|e| unexpected(&format!("the items answer has an unexpected shape: {e}")))?;
    Ok(data.items.unwrap_or_default())
}

impl RawItem {
    fn into_item(self) -> Result<Item, MondayApiError> {
        Ok(Item {
            id: parse_id(&self.id, "item")?,
            name: self.name.unwrap_or_default(),
            board_id: self.board.map(|board| parse_id(&board.id, "board")).transpose()?,
            columns: self.column_values.unwrap_or_default().into_iter().map(RawColumnValue::into_column).collect(),
        })
    }
}

impl RawColumnValue {
    fn into_column(self) -> ItemColumn {
        let value = self.value.as_deref().and_then(|raw| parse_value(&self.id, raw));
        ItemColumn {
            title: self.column.and_then(|c| c.title).unwrap_or_default(),
            column_type: self.column_type.unwrap_or_default(),
            text: self.text.unwrap_or_default(),
            value,
            id: self.id,
        }
    }
}

/// A column value that is not JSON is dropped rather than failing the whole read: one
/// odd column must not stop a message that does not use it. `"null"` means empty.
fn parse_value(column_id: &str, raw: &str) -> Option<Value> {
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::Null) => None,
        Ok(value) => Some(value),
        Err(_) => {
            // Only the column id: the value may be a phone number.
            tracing::warn!(column_id, "monday column value is not JSON; ignored");
            None
        }
    }
}

fn parse_id(text: &str, what: &str) -> Result<i64, MondayApiError> {
    text.parse().map_err(|_| unexpected(&format!("monday sent a {what} id that is not a number")))
}

fn unexpected(detail: &str) -> MondayApiError {
    MondayApiError::Permanent { status: None, detail: detail.to_owned() }
}

/// GraphQL `ID`s arrive as strings, but accept numbers too.
fn id_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::String(text) => Ok(text),
        Value::Number(number) => Ok(number.to_string()),
        _ => Err(serde::de::Error::custom("an id must be a string or a number")),
    }
}

impl fmt::Debug for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Item")
            .field("id", &self.id)
            .field("name", &Redacted(self.name.chars().count()))
            .field("board_id", &self.board_id)
            .field("columns", &self.columns)
            .finish()
    }
}

impl fmt::Debug for ItemColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemColumn")
            .field("id", &self.id)
            .field("title", &self.title)
            .field("column_type", &self.column_type)
            .field("text", &Redacted(self.text.chars().count()))
            .field("value", &self.value.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Stands in for personal text in `Debug` output: its length only.
struct Redacted(usize);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} chars>", self.0)
    }
}
