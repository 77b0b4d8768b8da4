//! What one account owns in the embedded store, as a whole: purged on uninstall and
//! exported on request. Each runs inside its caller's single transaction, so a purge is all
//! or nothing and an export is one consistent snapshot.

use redb::{ReadTransaction, WriteTransaction};

use super::tables::{self, TxResult};
use crate::kv::queue_member_line;

/// Deletes every value and queue member of `owner`; counts the live ones.
pub(super) fn purge_owner(txn: &WriteTransaction, owner: i64, now_millis: i64) -> TxResult<u64> {
    let mut deleted = 0;
    for key in tables::owner_keys(txn, owner)? {
        let removed = tables::remove_value(txn, &key)?;
        deleted += u64::from(removed.is_some_and(|value| value.is_live(now_millis)));
    }
    for (queue, member) in tables::owner_members(txn, owner)? {
        deleted += u64::from(tables::remove_member(txn, &queue, &member)?.is_some());
    }
    Ok(deleted)
}

pub(super) fn dump_owner(txn: &ReadTransaction, owner: i64, now_millis: i64) -> TxResult<Vec<(String, Vec<u8>)>> {
    let mut lines = Vec::new();
    for key in tables::owner_keys(txn, owner)? {
        if let Some(value) = tables::read_value(txn, &key)?.filter(|value| value.is_live(now_millis)) {
            lines.push((key, value.bytes));
        }
    }
    for (queue, member) in tables::owner_members(txn, owner)? {
        if let Some(due_millis) = tables::member_due(txn, &queue, &member)? {
            lines.push(queue_member_line(&queue, &member, due_millis));
        }
    }
    Ok(lines)
}
