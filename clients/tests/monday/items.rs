//! Reading an item (spec §8.2): the query sent, how the answer is parsed, and what a
//! missing item or an odd answer turns into.

use drip_clients::monday::{Item, MondayApiError, MondayClient};
use drip_domain::PhoneNumber;
use drip_domain::template::{ItemFields, Template};
use drip_testkit::monday::MondayStandIn;
use secrecy::SecretString;
use serde_json::{Value, json};

use super::spawn_monday;

const TOKEN: &str = "short-lived-token-from-a-block-request";
const BOARD_ID: u64 = 123;
const ITEM_ID: u64 = 987;

fn token() -> SecretString {
    SecretString::from(TOKEN)
}

fn phone_value() -> Value {
    json!({"phone": "12025550169", "countryShortName": "US", "changed_at": "2024-01-01T00:00:00.000Z"})
}

/// A stand-in holding Jane's item (a phone, a first name, an empty date) that accepts
/// [`TOKEN`], and a client for it.
async fn spawn_with_jane() -> (MondayStandIn, MondayClient) {
    let (monday, client) = spawn_monday().await;
    monday.accept_token(TOKEN);
    monday.add_item(
        BOARD_ID,
        ITEM_ID,
        "Jane Doe",
        vec![
            ("phone", "Phone", "phone", "+1 202 555 0169", phone_value()),
            ("text0", "First name", "text", "Jane", json!("Jane")),
            ("date4", "Appointment", "date", "", Value::Null),
        ],
    );
    (monday, client)
}

async fn read(client: &MondayClient, column_ids: Option<&[String]>) -> Option<Item> {
    client.read_item(&token(), ITEM_ID as i64, column_ids).await.expect("the item read succeeds")
}

fn ids(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|id| (*id).to_owned()).collect()
}

#[tokio::test]
async fn an_item_comes_back_with_its_name_board_and_column_titles() {
    let (_monday, client) = spawn_with_jane().await;

    let item = read(&client, None).await.expect("the item exists");

    assert_eq!(item.id, ITEM_ID as i64);
    assert_eq!(item.name, "Jane Doe");
    assert_eq!(item.board_id, Some(BOARD_ID as i64));
    let columns: Vec<(&str, &str, &str, &str)> =
        item.columns.iter().map(|c| (&*c.id, &*c.title, &*c.column_type, &*c.text)).collect();
    assert_eq!(
        columns,
        vec![
            ("phone", "Phone", "phone", "+1 202 555 0169"),
            ("text0", "First name", "text", "Jane"),
            ("date4", "Appointment", "date", ""),
        ]
    );
}

#[tokio::test]
async fn column_values_are_parsed_from_their_json_strings() {
    let (_monday, client) = spawn_with_jane().await;

    let item = read(&client, None).await.unwrap();

    assert_eq!(item.columns[0].value, Some(phone_value()));
    assert_eq!(item.columns[1].value, Some(json!("Jane")));
    assert_eq!(item.columns[2].value, None);
}

#[tokio::test]
async fn named_columns_are_sent_as_variables_and_only_they_come_back() {
    let (monday, client) = spawn_with_jane().await;

    let item = read(&client, Some(&ids(&["phone"]))).await.unwrap();

    assert_eq!(item.columns.len(), 1);
    assert_eq!(item.columns[0].id, "phone");
    let sent = &monday.graphql_requests()[0];
    assert_eq!(sent.variables, json!({"itemIds": [ITEM_ID.to_string()], "columnIds": ["phone"]}));
    assert!(sent.query.contains("column_values(ids: $columnIds)"), "{}", sent.query);
    assert!(sent.query.contains("column { title }"), "{}", sent.query);
}

#[tokio::test]
async fn without_column_ids_the_ids_argument_is_left_out_and_all_columns_come_back() {
    let (monday, client) = spawn_with_jane().await;

    let item = read(&client, None).await.unwrap();

    assert_eq!(item.columns.len(), 3);
    let sent = &monday.graphql_requests()[0];
    assert_eq!(sent.variables, json!({"itemIds": [ITEM_ID.to_string()]}));
    assert!(!sent.query.contains("columnIds"), "{}", sent.query);
    assert!(sent.query.contains("column_values {"), "{}", sent.query);
}

#[tokio::test]
async fn a_deleted_item_is_none() {
    let (_monday, client) = spawn_with_jane().await;

    let item = client.read_item(&token(), 555, None).await.unwrap();

    assert_eq!(item, None);
}

#[tokio::test]
async fn the_phone_column_parses_to_an_e164_number() {
    let (_monday, client) = spawn_with_jane().await;
    let item = read(&client, Some(&ids(&["phone"]))).await.unwrap();

    let column = item.phone_column("phone").expect("the phone column was read");
    let value = column.value.as_ref().expect("the phone column has a value");
    let phone = PhoneNumber::from_monday_value(&value.to_string()).unwrap();

    assert_eq!(phone.as_e164(), "+12025550169");
    // Only the columns asked for are there to find.
    assert!(item.phone_column("text0").is_none());
}

#[tokio::test]
async fn an_item_renders_a_template_by_column_title_and_id() {
    let (_monday, client) = spawn_with_jane().await;
    let item = read(&client, None).await.unwrap();
    let template = Template::parse("Hi {First name} ({name}), see you {date4|soon}").unwrap();

    let body = template.render(&ItemFields::from(&item)).unwrap();

    assert_eq!(body, "Hi Jane (Jane Doe), see you soon");
    assert_eq!(ItemFields::from(item.clone()), ItemFields::from(&item));
}

#[tokio::test]
async fn debug_output_hides_the_name_and_column_contents() {
    let (_monday, client) = spawn_with_jane().await;
    let item = read(&client, None).await.unwrap();

    let shown = format!("{item:?}");

    for personal in ["Jane", "202", "0169"] {
        assert!(!shown.contains(personal), "{shown}");
    }
    assert!(shown.contains("First name"), "{shown}");
}

#[tokio::test]
async fn monday_errors_pass_through_unchanged() {
    let (monday, client) = spawn_with_jane().await;
    monday.push_application_error("InvalidArgumentException", "bad item id");
    monday.push_complexity_budget_exhausted(200, 30);

    let application = client.read_item(&token(), 1, None).await.unwrap_err();
    let rate_limited = client.read_item(&token(), 1, None).await.unwrap_err();
    let stranger = client.read_item(&SecretString::from("unknown"), 1, None).await.unwrap_err();

    assert!(matches!(application, MondayApiError::Application { .. }), "{application:?}");
    assert!(matches!(rate_limited, MondayApiError::RateLimited { .. }), "{rate_limited:?}");
    assert!(matches!(stranger, MondayApiError::Unauthorized { .. }), "{stranger:?}");
}

#[tokio::test]
async fn an_answer_not_shaped_like_items_is_permanent() {
    let (monday, client) = spawn_with_jane().await;
    monday.push_response(200, json!({"data": {"items": {"id": "1"}}}), &[]);
    monday.push_response(200, json!({"data": {"items": [{"id": "x", "name": "?"}]}}), &[]);

    for _ in 0..2 {
        let error = client.read_item(&token(), 1, None).await.unwrap_err();

        assert!(matches!(error, MondayApiError::Permanent { status: None, .. }), "{error:?}");
    }
}

#[tokio::test]
async fn sparse_answers_are_read_leniently() {
    let (monday, client) = spawn_with_jane().await;
    let sparse = json!({"data": {"items": [{
        "id": 42, "name": "Sam", "board": null,
        "column_values": [
            {"id": "mirror", "type": "mirror", "text": null, "value": null, "column": null},
            {"id": "odd", "type": "text", "text": "x", "value": "not json"},
            {"id": "nulled", "type": "text", "text": "", "value": "null", "column": {"title": "N"}}
        ]
    }]}});
    monday.push_response(200, sparse, &[]);
    monday.push_response(200, json!({"data": {"items": null}}), &[]);

    let item = client.read_item(&token(), 42, None).await.unwrap().unwrap();
    let nothing = client.read_item(&token(), 42, None).await.unwrap();

    assert_eq!((item.id, item.board_id), (42, None));
    let mirror = &item.columns[0];
    assert_eq!((mirror.title.as_str(), mirror.text.as_str()), ("", ""));
    assert!(item.columns.iter().all(|c| c.value.is_none()));
    assert_eq!(nothing, None);
}
