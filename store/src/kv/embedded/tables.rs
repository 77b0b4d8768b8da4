//! The redb tables behind [`EmbeddedKv`](super::EmbeddedKv) and the synchronous steps that
//! keep them consistent with each other.
//!
//! Every helper runs inside a transaction its caller owns, so a sequence of helpers commits
//! or fails as one. Helpers open a table, use it and drop it before returning, because
//! redb refuses to open the same table twice in one transaction.
//!
//! Invariants the helpers maintain together:
//! - a key is in `OWNER_KEYS` and `EXPIRIES` exactly when it is in `VALUES`;
//! - a queue member is in `QUEUE_DUE` and `OWNER_MEMBERS` exactly when it is in
//!   `QUEUE_MEMBERS`, with the same due time and owner.

use redb::{Key, ReadTransaction, ReadableTable, TableDefinition, Value, WriteTransaction};

/// key → (owner, logical expiry in epoch millis or `None` for never, value).
const VALUES: TableDefinition<'_, &str, (i64, Option<i64>, &[u8])> = TableDefinition::new("values");
/// (owner, key): what `purge_account` deletes.
const OWNER_KEYS: TableDefinition<'_, (i64, &str), ()> = TableDefinition::new("owner_keys");
/// (expiry, key), for keys with a TTL: lets writes reclaim expired values nobody reads again
/// (idempotency keys, typically) without scanning `VALUES`.
const EXPIRIES: TableDefinition<'_, (i64, &str), ()> = TableDefinition::new("expiries");
/// (queue, due, member) → owner: the queue in due order.
const QUEUE_DUE: TableDefinition<'_, (&str, i64, &str), i64> = TableDefinition::new("queue_due");
/// (queue, member) → (due, owner): finds a member's place in `QUEUE_DUE`.
const QUEUE_MEMBERS: TableDefinition<'_, (&str, &str), (i64, i64)> = TableDefinition::new("queue_members");
/// (owner, queue, member): what `purge_account` unschedules.
const OWNER_MEMBERS: TableDefinition<'_, (i64, &str, &str), ()> = TableDefinition::new("owner_members");

pub(super) type TxResult<T> = anyhow::Result<T>;

/// A stored value, copied out of the transaction.
pub(super) struct StoredValue {
    pub owner: i64,
    pub expires_at_millis: Option<i64>,
    pub bytes: Vec<u8>,
}

impl StoredValue {
    /// Live until the clock reaches the expiry: a value with a zero TTL is never visible.
    pub fn is_live(&self, now_millis: i64) -> bool {
        self.expires_at_millis.is_none_or(|expiry| expiry > now_millis)
    }
}

/// A queue member, copied out of the transaction.
pub(super) struct QueuedMember {
    pub queue: String,
    pub member: String,
    pub due_millis: i64,
    pub owner: i64,
}

/// Either kind of transaction, for the reads that both a lookup and a check-then-write
/// need.
pub(super) trait ReadTables {
    fn table<K: Key + 'static, V: Value + 'static>(
        &self,
        definition: TableDefinition<'_, K, V>,
    ) -> TxResult<impl ReadableTable<K, V> + '_>;
}

impl ReadTables for ReadTransaction {
    fn table<K: Key + 'static, V: Value + 'static>(
        &self,
        definition: TableDefinition<'_, K, V>,
    ) -> TxResult<impl ReadableTable<K, V> + '_> {
        Ok(self.open_table(definition)?)
    }
}

impl ReadTables for WriteTransaction {
    fn table<K: Key + 'static, V: Value + 'static>(
        &self,
        definition: TableDefinition<'_, K, V>,
    ) -> TxResult<impl ReadableTable<K, V> + '_> {
        Ok(self.open_table(definition)?)
    }
}

/// Creates every table, so read transactions never meet a missing one.
pub(super) fn create_tables(txn: &WriteTransaction) -> TxResult<()> {
    txn.open_table(VALUES)?;
    txn.open_table(OWNER_KEYS)?;
    txn.open_table(EXPIRIES)?;
    txn.open_table(QUEUE_DUE)?;
    txn.open_table(QUEUE_MEMBERS)?;
    txn.open_table(OWNER_MEMBERS)?;
    Ok(())
}

pub(super) fn read_value(txn: &impl ReadTables, key: &str) -> TxResult<Option<StoredValue>> {
    let table = txn.table(VALUES)?;
    Ok(table.get(key)?.map(|guard| stored_value(guard.value())))
}

fn stored_value((owner, expires_at_millis, bytes): (i64, Option<i64>, &[u8])) -> StoredValue {
    StoredValue { owner, expires_at_millis, bytes: bytes.to_vec() }
}

/// Writes a value and its index entries, replacing any earlier value of `key` (whose
/// owner and expiry may differ, so its index entries go first).
pub(super) fn write_value(txn: &WriteTransaction, key: &str, value: &StoredValue) -> TxResult<()> {
    remove_value(txn, key)?;
    txn.open_table(VALUES)?.insert(key, (value.owner, value.expires_at_millis, value.bytes.as_slice()))?;
    txn.open_table(OWNER_KEYS)?.insert((value.owner, key), ())?;
    if let Some(expiry) = value.expires_at_millis {
        txn.open_table(EXPIRIES)?.insert((expiry, key), ())?;
    }
    Ok(())
}

/// Removes a value and its index entries; returns what was stored, live or not.
pub(super) fn remove_value(txn: &WriteTransaction, key: &str) -> TxResult<Option<StoredValue>> {
    let Some(old) = txn.open_table(VALUES)?.remove(key)?.map(|guard| stored_value(guard.value())) else {
        return Ok(None);
    };
    txn.open_table(OWNER_KEYS)?.remove((old.owner, key))?;
    if let Some(expiry) = old.expires_at_millis {
        txn.open_table(EXPIRIES)?.remove((expiry, key))?;
    }
    Ok(Some(old))
}

/// Removes up to `limit` values expired at `now_millis`, oldest expiry first; returns how
/// many went. Bounded so that a write never pays for a large backlog at once.
pub(super) fn sweep_expired(txn: &WriteTransaction, now_millis: i64, limit: usize) -> TxResult<usize> {
    let expired: Vec<String> = {
        let table = txn.open_table(EXPIRIES)?;
        let mut keys = Vec::new();
        for entry in table.range((i64::MIN, "")..)?.take(limit) {
            let guard = entry?.0;
            let (expiry, key) = guard.value();
            if expiry > now_millis {
                break;
            }
            keys.push(key.to_owned());
        }
        keys
    };
    for key in &expired {
        remove_value(txn, key)?;
    }
    Ok(expired.len())
}

/// Every key of `owner`, live or expired.
pub(super) fn owner_keys(txn: &impl ReadTables, owner: i64) -> TxResult<Vec<String>> {
    let table = txn.table(OWNER_KEYS)?;
    let mut keys = Vec::new();
    for entry in table.range((owner, "")..)? {
        let guard = entry?.0;
        let (entry_owner, key) = guard.value();
        if entry_owner != owner {
            break;
        }
        keys.push(key.to_owned());
    }
    Ok(keys)
}

/// Every live value, as (key, bytes).
pub(super) fn live_values(txn: &ReadTransaction, now_millis: i64) -> TxResult<Vec<(String, Vec<u8>)>> {
    let table = txn.open_table(VALUES)?;
    let mut values = Vec::new();
    for entry in table.range(..)? {
        let (key, guard) = entry?;
        let value = stored_value(guard.value());
        if value.is_live(now_millis) {
            values.push((key.value().to_owned(), value.bytes));
        }
    }
    Ok(values)
}

/// Adds `member` to `queue`, or moves it (possibly to another owner).
pub(super) fn insert_member(txn: &WriteTransaction, entry: &QueuedMember) -> TxResult<()> {
    remove_member(txn, &entry.queue, &entry.member)?;
    let (queue, member) = (entry.queue.as_str(), entry.member.as_str());
    txn.open_table(QUEUE_DUE)?.insert((queue, entry.due_millis, member), entry.owner)?;
    txn.open_table(QUEUE_MEMBERS)?.insert((queue, member), (entry.due_millis, entry.owner))?;
    txn.open_table(OWNER_MEMBERS)?.insert((entry.owner, queue, member), ())?;
    Ok(())
}

/// Removes `member` from `queue` and its index entries; returns it if it was queued.
pub(super) fn remove_member(txn: &WriteTransaction, queue: &str, member: &str) -> TxResult<Option<QueuedMember>> {
    let Some((due_millis, owner)) = txn.open_table(QUEUE_MEMBERS)?.remove((queue, member))?.map(|guard| guard.value())
    else {
        return Ok(None);
    };
    txn.open_table(QUEUE_DUE)?.remove((queue, due_millis, member))?;
    txn.open_table(OWNER_MEMBERS)?.remove((owner, queue, member))?;
    Ok(Some(QueuedMember { queue: queue.to_owned(), member: member.to_owned(), due_millis, owner }))
}

/// Up to `limit` members of `queue` due at or before `now_millis`, earliest first.
pub(super) fn due_members(
    txn: &WriteTransaction,
    queue: &str,
    now_millis: i64,
    limit: usize,
) -> TxResult<Vec<QueuedMember>> {
    let table = txn.open_table(QUEUE_DUE)?;
    let mut due = Vec::new();
    for entry in table.range((queue, i64::MIN, "")..)?.take(limit) {
        let (key, owner) = entry?;
        let (entry_queue, due_millis, member) = key.value();
        if entry_queue != queue || due_millis > now_millis {
            break;
        }
        let (queue, member) = (queue.to_owned(), member.to_owned());
        due.push(QueuedMember { queue, member, due_millis, owner: owner.value() });
    }
    Ok(due)
}

pub(super) fn earliest_due(txn: &ReadTransaction, queue: &str) -> TxResult<Option<i64>> {
    let table = txn.open_table(QUEUE_DUE)?;
    let Some(entry) = table.range((queue, i64::MIN, "")..)?.next() else {
        return Ok(None);
    };
    let guard = entry?.0;
    let (entry_queue, due_millis, _) = guard.value();
    Ok((entry_queue == queue).then_some(due_millis))
}

/// Every queue member, in queue and due order.
pub(super) fn all_members(txn: &ReadTransaction) -> TxResult<Vec<QueuedMember>> {
    let table = txn.open_table(QUEUE_DUE)?;
    let mut members = Vec::new();
    for entry in table.range(..)? {
        let (key, owner) = entry?;
        let (queue, due_millis, member) = key.value();
        let (queue, member) = (queue.to_owned(), member.to_owned());
        members.push(QueuedMember { queue, member, due_millis, owner: owner.value() });
    }
    Ok(members)
}

/// Every (queue, member) of `owner`.
pub(super) fn owner_members(txn: &impl ReadTables, owner: i64) -> TxResult<Vec<(String, String)>> {
    let table = txn.table(OWNER_MEMBERS)?;
    let mut members = Vec::new();
    for entry in table.range((owner, "", "")..)? {
        let guard = entry?.0;
        let (entry_owner, queue, member) = guard.value();
        if entry_owner != owner {
            break;
        }
        members.push((queue.to_owned(), member.to_owned()));
    }
    Ok(members)
}

/// The due time of one member, for the per-account export.
pub(super) fn member_due(txn: &ReadTransaction, queue: &str, member: &str) -> TxResult<Option<i64>> {
    let table = txn.open_table(QUEUE_MEMBERS)?;
    Ok(table.get((queue, member))?.map(|guard| guard.value().0))
}
