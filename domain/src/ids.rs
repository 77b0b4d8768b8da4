//! Identifier newtypes, so an account id cannot be passed where an item id is expected.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! numeric_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }
    };
}

numeric_id!(
    /// A monday.com account (the tenant). Every row and key we keep belongs to one.
    AccountId
);
numeric_id!(
    /// A monday.com board.
    BoardId
);
numeric_id!(
    /// A monday.com item (a row on a board).
    ItemId
);
numeric_id!(
    /// A monday.com user.
    UserId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_and_display_as_plain_numbers() {
        let id: AccountId = "777777".parse().unwrap();
        assert_eq!(id, AccountId(777777));
        assert_eq!(id.to_string(), "777777");
        assert_eq!(serde_json_like(id), "777777");
    }

    fn serde_json_like(id: AccountId) -> String {
        // serde(transparent) means the id serialises as the bare number.
        format!("{}", id.get())
    }
}
