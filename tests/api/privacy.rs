//! The privacy policy, proven (DESIGN §6): after install → OAuth → uninstall, nothing of
//! the account is left in either store, and no token was ever readable in plain text.

use drip_actors::AccountMessage;
use drip_domain::AccountId;
use drip_domain::crypto::Purpose;
use drip_store::db::entities::oauth_token;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use secrecy::ExposeSecret;

use crate::helpers::{lifecycle_body, spawn_app};

#[tokio::test]
async fn after_install_oauth_and_uninstall_nothing_of_the_account_is_left_and_no_token_was_ever_plain() {
    let app = spawn_app().await;
    let account = 9901;
    app.install(account).await;
    app.authorize(account).await;
    let token = app.state.accounts.call(AccountId(account), AccountMessage::MondayAccessToken).await.unwrap().unwrap();

    let db_during = app.db_dump().await;
    let kv_during = format!("{:?}", app.kv_dump().await);
    assert!(!db_during.contains(token.expose_secret()), "plain access token in the Db");
    assert!(!kv_during.contains(token.expose_secret()), "plain access token in the Kv");
    for personal in ["admin@acme.example", "Ada Admin", "Acme", "acme"] {
        assert!(!db_during.contains(personal), "the Db keeps {personal:?} about the account");
    }
    assert!(db_during.contains("access_token_ciphertext"));

    let uninstall = lifecycle_body("uninstall", account, "2026-12-02T00:00:00.000+00:00");
    assert_eq!(app.post_lifecycle(&uninstall).await.status(), 200);

    let db_after: serde_json::Value = app.state.db.dump().await.unwrap();
    for (table, rows) in db_after.as_object().unwrap() {
        assert!(rows.as_array().unwrap().is_empty(), "{table} still has rows: {rows}");
    }
    assert!(app.kv_dump().await.is_empty(), "the Kv still has keys");
}

#[tokio::test]
async fn a_stored_token_decrypts_only_with_the_key_and_a_tampered_one_is_detected() {
    let app = spawn_app().await;
    let account = 9902;
    app.authorize(account).await;
    let row = oauth_token::Entity::find_by_id(account).one(app.state.db.conn()).await.unwrap().unwrap();
    let keyring = &app.state.crypto.keyring;
    assert!(keyring.open_str(Purpose::OAuthAccessToken, AccountId(account), &row.access_token_ciphertext).is_ok());
    assert!(
        keyring.open_str(Purpose::OAuthAccessToken, AccountId(account + 1), &row.access_token_ciphertext).is_err(),
        "bound to its account"
    );
    let other_key = drip_domain::crypto::KeyRing::generate(1);
    assert!(other_key.open_str(Purpose::OAuthAccessToken, AccountId(account), &row.access_token_ciphertext).is_err());

    let mut tampered = row.access_token_ciphertext.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let mut model: oauth_token::ActiveModel = row.into();
    model.access_token_ciphertext = Set(tampered);
    model.update(app.state.db.conn()).await.unwrap();
    let answer = app.state.accounts.call(AccountId(account), AccountMessage::MondayAccessToken).await.unwrap();
    assert!(answer.is_err(), "a tampered token must not open");
}
