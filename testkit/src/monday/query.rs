//! Just enough reading of a GraphQL document to answer the default queries: the value of
//! one argument of one field, resolved through the variables when it is `$name`.
//! Not a parser: it finds `field(` and `arg:` textually, which suffices for the queries
//! our own client sends.

use serde_json::Value;

/// The value of argument `arg` in the first `field(…)` of `query`.
pub(super) fn argument(query: &str, field: &str, arg: &str, variables: &Value) -> Option<Value> {
    let arguments = arguments_of(query, field)?;
    let after_name = find_argument(arguments, arg)?;
    let text = after_name.trim_start().strip_prefix(':')?.trim_start();
    match text.strip_prefix('$') {
        Some(rest) => {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            variables.get(&name).cloned()
        }
        None => serde_json::Deserializer::from_str(text).into_iter::<Value>().next()?.ok(),
    }
}

/// The argument ids as strings, whether given as one id or a list, numbers or strings.
pub(super) fn id_list(value: &Value) -> Vec<String> {
    match value {
        Value::Array(values) => values.iter().filter_map(id_string).collect(),
        other => id_string(other).into_iter().collect(),
    }
}

pub(super) fn id_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The text between the parentheses following `field`.
fn arguments_of<'q>(query: &'q str, field: &str) -> Option<&'q str> {
    let start = query.match_indices(field).find_map(|(at, _)| {
        let rest = &query[at + field.len()..];
        let preceded_by_word = query[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_');
        let open = rest.len() - rest.trim_start().len();
        (!preceded_by_word && rest.trim_start().starts_with('(')).then_some(at + field.len() + open + 1)
    })?;
    let mut depth = 1;
    for (offset, c) in query[start..].char_indices() {
        depth += match c {
            '(' => 1,
            ')' => -1,
            _ => 0,
        };
        if depth == 0 {
            return Some(&query[start..start + offset]);
        }
    }
    None
}

/// The text right after the argument name `arg`, matched as a whole word.
fn find_argument<'a>(arguments: &'a str, arg: &str) -> Option<&'a str> {
    arguments.match_indices(arg).find_map(|(at, _)| {
        let before = arguments[..at].chars().next_back();
        let rest = &arguments[at + arg.len()..];
        let whole_word = !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
        (whole_word && rest.trim_start().starts_with(':')).then_some(rest)
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn variables_and_literals_are_both_resolved() {
        let query = "query ($itemIds: [ID!], $cols: [String!]) { items(ids: $itemIds) { \
                     column_values(ids: $cols) { id } } other(item_id: 42, body: \"hi\") }";
        let vars = json!({"itemIds": ["7"], "cols": ["phone"]});
        assert_eq!(argument(query, "items", "ids", &vars), Some(json!(["7"])));
        assert_eq!(argument(query, "column_values", "ids", &vars), Some(json!(["phone"])));
        assert_eq!(argument(query, "other", "item_id", &vars), Some(json!(42)));
        assert_eq!(argument(query, "other", "body", &vars), Some(json!("hi")));
    }

    #[test]
    fn ids_are_read_as_strings_from_numbers_or_strings() {
        assert_eq!(id_list(&json!([1, "2"])), vec!["1", "2"]);
        assert_eq!(id_list(&json!(3)), vec!["3"]);
    }
}
