//! The Lua scripts behind [`RedisKv`](super::RedisKv), each prefixed with `common.lua`.
//!
//! `Script` sends `EVALSHA` and falls back to loading the script when the server has
//! forgotten it (after a restart or `SCRIPT FLUSH`), so nothing needs loading at startup.

use std::sync::LazyLock;

use redis::Script;

macro_rules! script {
    ($file:literal) => {
        LazyLock::new(|| Script::new(concat!(include_str!("common.lua"), include_str!($file))))
    };
}

pub(super) static PUT: LazyLock<Script> = script!("put.lua");
pub(super) static DELETE: LazyLock<Script> = script!("delete.lua");
pub(super) static SCHEDULE: LazyLock<Script> = script!("schedule.lua");
pub(super) static UNSCHEDULE: LazyLock<Script> = script!("unschedule.lua");
pub(super) static TAKE_DUE: LazyLock<Script> = script!("take_due.lua");
pub(super) static PURGE_ACCOUNT: LazyLock<Script> = script!("purge_account.lua");
pub(super) static DUMP_ACCOUNT: LazyLock<Script> = script!("dump_account.lua");
