//! The message template language shared by Send One Message and drip steps.
//!
//! - `{name}` (any case) is the item name.
//! - `{column_id}` or `{Column Title}` is a column's text, found by exact id first, then
//!   by title ignoring case.
//! - `{field|fallback text}` uses the fallback when the value is empty (blank or only
//!   spaces). `{field|}` says "leave it out" explicitly. The fallback runs to the `}`, so
//!   it may hold `|` but no braces.
//! - `{{` and `}}` are a literal `{` and `}`. So a mustache-style `{{Name}}` is the text
//!   `{Name}`, not a placeholder.
//!
//! Rendering refuses rather than guesses: a field with no matching column or an empty
//! value without a fallback is an error, so nobody receives "Hi , your order…". Errors end
//! up in monday's automation log, so they are sentences for a board user, and they never
//! carry a rendered value: item names that might be phone numbers are withheld.
//! Values are inserted as they are and never parsed again, so a column holding `{x}`
//! cannot inject a placeholder.

use std::fmt;
use std::iter::{Enumerate, Peekable};
use std::str::Chars;

/// Longest item name quoted in an error; longer ones are cut.
const MAX_ITEM_NAME_CHARS_SHOWN: usize = 60;
/// An item name with this many digits may be a phone number (boards of contacts are
/// often named by number), so errors do not quote it.
const MIN_DIGITS_WITHHELD: usize = 5;

/// A parsed template. Parse once when the block or drip step is configured, render per
/// item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Field(Placeholder),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Placeholder {
    /// The field as the user wrote it, trimmed; errors quote it so they can find it.
    key: String,
    field: FieldRef,
    fallback: Option<String>,
}

/// A field a template reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldRef {
    /// `{name}`: the item's name, which monday returns outside `column_values`.
    ItemName,
    /// A column id or title, as written in the template. Which one it is depends on the
    /// board, so to resolve titles read all of the item's columns.
    Column(String),
}

impl FieldRef {
    fn from_key(key: &str) -> Self {
        if key.eq_ignore_ascii_case("name") { Self::ItemName } else { Self::Column(key.to_owned()) }
    }
}

/// A template that cannot be parsed. Positions are 1-based character counts, as a
/// person counts along the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("The {{ at character {position} is never closed: end the field with }}, or write {{{{ for a literal {{")]
    UnclosedBrace { position: usize },
    #[error("The }} at character {position} has no {{ before it: write }}}} for a literal }}")]
    UnmatchedClosingBrace { position: usize },
    #[error("The field at character {position} is empty: put a column title or id between the braces, like {{Name}}")]
    EmptyPlaceholder { position: usize },
    #[error(
        "The {{ at character {position} is inside another field, and fields cannot be nested: close the first one with }} before opening the next"
    )]
    NestedBrace { position: usize },
}

/// A template that cannot be rendered for one item. The message is meant for the monday
/// user; it names the field and, when safe, the item, and never holds a rendered value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("The message uses {{{field}}}, but the board has no column with that id or title")]
    UnknownField { field: String },
    #[error(
        "{} has no value in {field}: fill it in or add a fallback like {{{field}|there}}",
        item_label(.item.as_deref())
    )]
    EmptyField {
        /// The item's name as safe to show: `None` when it is blank or might be a phone
        /// number, cut to 60 characters otherwise.
        item: Option<String>,
        field: String,
    },
}

/// What a template can read from one item: its name and the text of its columns.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ItemFields {
    pub name: String,
    pub columns: Vec<ColumnField>,
}

/// One column of an item: monday's `id`, `column { title }` and `text`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ColumnField {
    pub id: String,
    pub title: String,
    /// What the board shows; `""` when the column is empty.
    pub text: String,
}

impl Template {
    /// Parses template text, reporting the first syntax error with its position.
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        let mut chars = source.chars().enumerate().peekable();
        let mut parts = Vec::new();
        let mut literal = String::new();
        while let Some((index, c)) = chars.next() {
            let position = index + 1;
            match c {
                '{' | '}' if chars.next_if(|&(_, next)| next == c).is_some() => literal.push(c),
                '{' => {
                    push_literal(&mut parts, &mut literal);
                    parts.push(Part::Field(Placeholder::parse(&mut chars, position)?));
                }
                '}' => return Err(TemplateError::UnmatchedClosingBrace { position }),
                _ => literal.push(c),
            }
        }
        push_literal(&mut parts, &mut literal);
        Ok(Self { source: source.to_owned(), parts })
    }

    /// The text this template was parsed from.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Every field the template reads, once each, in order of first use: what to ask
    /// monday for before rendering.
    pub fn fields(&self) -> Vec<FieldRef> {
        let mut fields: Vec<FieldRef> = Vec::new();
        for placeholder in self.placeholders() {
            if !fields.contains(&placeholder.field) {
                fields.push(placeholder.field.clone());
            }
        }
        fields
    }

    /// Fills in every field from `item`. Fails on the first field that has no column or
    /// is empty without a fallback.
    pub fn render(&self, item: &ItemFields) -> Result<String, RenderError> {
        let mut body = String::with_capacity(self.source.len());
        for part in &self.parts {
            match part {
                Part::Literal(text) => body.push_str(text),
                Part::Field(placeholder) => body.push_str(placeholder.render(item)?),
            }
        }
        Ok(body)
    }

    fn placeholders(&self) -> impl Iterator<Item = &Placeholder> {
        self.parts.iter().filter_map(|part| match part {
            Part::Field(placeholder) => Some(placeholder),
            Part::Literal(_) => None,
        })
    }
}

fn push_literal(parts: &mut Vec<Part>, literal: &mut String) {
    if !literal.is_empty() {
        parts.push(Part::Literal(std::mem::take(literal)));
    }
}

type Source<'a> = Peekable<Enumerate<Chars<'a>>>;

impl Placeholder {
    /// Reads what follows the `{` at `open` up to its `}`.
    fn parse(chars: &mut Source<'_>, open: usize) -> Result<Self, TemplateError> {
        let content = read_to_closing_brace(chars, open)?;
        let (key, fallback) = match content.split_once('|') {
            Some((key, fallback)) => (key, Some(fallback.trim().to_owned())),
            None => (content.as_str(), None),
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(TemplateError::EmptyPlaceholder { position: open });
        }
        Ok(Self { key: key.to_owned(), field: FieldRef::from_key(key), fallback })
    }

    fn render<'a>(&'a self, item: &'a ItemFields) -> Result<&'a str, RenderError> {
        let value =
            item.value_of(&self.field).ok_or_else(|| RenderError::UnknownField { field: self.key.clone() })?.trim();
        if !value.is_empty() {
            return Ok(value);
        }
        self.fallback
            .as_deref()
            .ok_or_else(|| RenderError::EmptyField { item: shown_item_name(&item.name), field: self.key.clone() })
    }
}

fn read_to_closing_brace(chars: &mut Source<'_>, open: usize) -> Result<String, TemplateError> {
    let mut content = String::new();
    for (index, c) in chars.by_ref() {
        match c {
            '}' => return Ok(content),
            '{' => {
                return Err(TemplateError::NestedBrace { position: index + 1 });
            }
            _ => content.push(c),
        }
    }
    Err(TemplateError::UnclosedBrace { position: open })
}

impl ItemFields {
    /// The text of a field, or `None` when the item has no such column.
    fn value_of(&self, field: &FieldRef) -> Option<&str> {
        match field {
            FieldRef::ItemName => Some(&self.name),
            FieldRef::Column(key) => self.column(key).map(|column| column.text.as_str()),
        }
    }

    /// An id is exact and unique, so it wins over a title that happens to match.
    fn column(&self, key: &str) -> Option<&ColumnField> {
        let by_id = self.columns.iter().find(|column| column.id == key);
        by_id.or_else(|| {
            let key = key.to_lowercase();
            self.columns.iter().find(|column| column.title.trim().to_lowercase() == key)
        })
    }
}

/// Names, titles and ids only: item names and column texts are personal data.
impl fmt::Debug for ItemFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemFields").field("name", &Redacted(&self.name)).field("columns", &self.columns).finish()
    }
}

impl fmt::Debug for ColumnField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ColumnField")
            .field("id", &self.id)
            .field("title", &self.title)
            .field("text", &Redacted(&self.text))
            .finish()
    }
}

/// Shows text's length only.
struct Redacted<'a>(&'a str);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} chars>", self.0.chars().count())
    }
}

fn shown_item_name(name: &str) -> Option<String> {
    let name = name.trim();
    let digits = name.chars().filter(|c| c.is_numeric()).count();
    if name.is_empty() || digits >= MIN_DIGITS_WITHHELD {
        return None;
    }
    match name.char_indices().nth(MAX_ITEM_NAME_CHARS_SHOWN) {
        Some((cut, _)) => Some(format!("{}…", &name[..cut])),
        None => Some(name.to_owned()),
    }
}

fn item_label(item: Option<&str>) -> String {
    match item {
        Some(name) => format!("Item '{name}'"),
        None => "This item".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn jane() -> ItemFields {
        ItemFields {
            name: "Jane".into(),
            columns: vec![
                column("text0", "First name", "Jane"),
                column("phone", "Phone", "+12025550169"),
                column("status", "Status", "Paid"),
                column("date4", "Appointment", ""),
                column("text9", "Notes", "  \n "),
            ],
        }
    }

    fn column(id: &str, title: &str, text: &str) -> ColumnField {
        ColumnField { id: id.into(), title: title.into(), text: text.into() }
    }

    fn render(template: &str, item: &ItemFields) -> Result<String, RenderError> {
        Template::parse(template).unwrap_or_else(|e| panic!("{template:?}: {e}")).render(item)
    }

    fn parse_error(template: &str) -> TemplateError {
        Template::parse(template).expect_err(template)
    }

    #[test]
    fn name_is_the_item_name_in_any_case() {
        assert_eq!(render("Hi {name}!", &jane()).unwrap(), "Hi Jane!");
        assert_eq!(render("Hi {Name} {NAME}", &jane()).unwrap(), "Hi Jane Jane");
    }

    #[test]
    fn columns_are_found_by_id() {
        assert_eq!(render("Status: {status}", &jane()).unwrap(), "Status: Paid");
    }

    #[test]
    fn columns_are_found_by_title_ignoring_case() {
        assert_eq!(render("Hi {First name}", &jane()).unwrap(), "Hi Jane");
        assert_eq!(render("Hi {FIRST NAME}", &jane()).unwrap(), "Hi Jane");
        let item = ItemFields { name: "x".into(), columns: vec![column("t", " Téléphone ", "ok")] };
        assert_eq!(render("{TÉLÉPHONE}", &item).unwrap(), "ok");
    }

    #[test]
    fn an_id_wins_over_a_title_that_matches_too() {
        let item = ItemFields {
            name: "x".into(),
            columns: vec![column("a", "status", "by title"), column("status", "Stage", "by id")],
        };
        assert_eq!(render("{status}", &item).unwrap(), "by id");
    }

    #[test]
    fn the_fallback_replaces_an_empty_or_blank_value() {
        assert_eq!(render("See you {Appointment|soon}.", &jane()).unwrap(), "See you soon.");
        assert_eq!(render("{Notes|none}", &jane()).unwrap(), "none");
        let nameless = ItemFields::default();
        assert_eq!(render("Hi {name|there}", &nameless).unwrap(), "Hi there");
    }

    #[test]
    fn the_fallback_is_ignored_when_there_is_a_value() {
        assert_eq!(render("Hi {First name|there}", &jane()).unwrap(), "Hi Jane");
    }

    #[test]
    fn an_empty_fallback_leaves_the_field_out_on_purpose() {
        assert_eq!(render("[{Appointment|}]", &jane()).unwrap(), "[]");
    }

    #[test]
    fn a_fallback_may_hold_pipes_and_spaces_around_parts_are_ignored() {
        assert_eq!(render("{ Appointment | a|b }", &jane()).unwrap(), "a|b");
        assert_eq!(render("{  status  }", &jane()).unwrap(), "Paid");
    }

    #[test]
    fn values_are_trimmed() {
        let item = ItemFields { name: "  Jane \n".into(), columns: vec![] };
        assert_eq!(render("Hi {name}!", &item).unwrap(), "Hi Jane!");
    }

    #[test]
    fn double_braces_are_literal_braces() {
        assert_eq!(render("{{name}} is {name}", &jane()).unwrap(), "{name} is Jane");
        assert_eq!(render("{{{name}}}", &jane()).unwrap(), "{Jane}");
        assert_eq!(render("}}{{", &jane()).unwrap(), "}{");
    }

    #[test]
    fn values_are_inserted_as_they_are_and_not_parsed_again() {
        let item = ItemFields { name: "{status} }{".into(), columns: vec![column("status", "Status", "Paid")] };
        assert_eq!(render("Hi {name}", &item).unwrap(), "Hi {status} }{");
    }

    #[test]
    fn an_unclosed_brace_is_reported_where_it_opens() {
        assert_eq!(parse_error("Hi {name"), TemplateError::UnclosedBrace { position: 4 });
        assert_eq!(
            parse_error("Hi {name").to_string(),
            "The { at character 4 is never closed: end the field with }, or write {{ for a literal {"
        );
        assert_eq!(parse_error("{"), TemplateError::UnclosedBrace { position: 1 });
    }

    #[test]
    fn a_closing_brace_without_an_opening_one_is_reported() {
        assert_eq!(parse_error("Hi name}"), TemplateError::UnmatchedClosingBrace { position: 8 });
        assert_eq!(
            parse_error("{name}}").to_string(),
            "The } at character 7 has no { before it: write }} for a literal }"
        );
    }

    #[test]
    fn an_empty_field_is_reported() {
        for template in ["a {} b", "a { } b", "a {|there} b", "a { | } b"] {
            assert_eq!(parse_error(template), TemplateError::EmptyPlaceholder { position: 3 }, "{template:?}");
        }
        assert_eq!(
            parse_error("{}").to_string(),
            "The field at character 1 is empty: put a column title or id between the braces, like {Name}"
        );
    }

    #[test]
    fn nested_braces_are_reported_at_the_inner_brace() {
        assert_eq!(parse_error("Hi {a{b}}"), TemplateError::NestedBrace { position: 6 });
        assert_eq!(parse_error("{a|{{b}"), TemplateError::NestedBrace { position: 4 });
        assert!(parse_error("{a{b}}").to_string().starts_with("The { at character 3 is inside another field"));
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        assert_eq!(parse_error("Grüße 😀 {x"), TemplateError::UnclosedBrace { position: 9 });
    }

    #[test]
    fn fields_lists_each_field_once_in_order_of_use() {
        let template = Template::parse("{status} {name} {Phone|?} {status} {Name} {{x}}").unwrap();
        assert_eq!(
            template.fields(),
            vec![FieldRef::Column("status".into()), FieldRef::ItemName, FieldRef::Column("Phone".into()),]
        );
        assert!(Template::parse("no fields").unwrap().fields().is_empty());
    }

    #[test]
    fn the_source_text_is_kept() {
        let source = "Hi {name|there} {{";
        assert_eq!(Template::parse(source).unwrap().as_str(), source);
    }

    #[test]
    fn an_unknown_field_names_the_field_as_written() {
        let err = render("Hi {Foo}", &jane()).unwrap_err();
        assert_eq!(err, RenderError::UnknownField { field: "Foo".into() });
        assert_eq!(err.to_string(), "The message uses {Foo}, but the board has no column with that id or title");
    }

    #[test]
    fn an_empty_field_without_fallback_names_the_item_and_suggests_one() {
        let err = render("Hi {First name}, see you {Appointment}", &jane()).unwrap_err();
        assert_eq!(err, RenderError::EmptyField { item: Some("Jane".into()), field: "Appointment".into() });
        assert_eq!(
            err.to_string(),
            "Item 'Jane' has no value in Appointment: fill it in or add a fallback like {Appointment|there}"
        );
    }

    #[test]
    fn a_blank_item_name_without_fallback_is_an_error() {
        let err = render("Hi {name}", &ItemFields::default()).unwrap_err();
        assert_eq!(err.to_string(), "This item has no value in name: fill it in or add a fallback like {name|there}");
    }

    #[test]
    fn errors_never_quote_an_item_name_that_may_be_a_phone_number() {
        for name in ["+1 202 555 0169", "2025550169", "Jane 55501", "٠١٢٣٤٥"] {
            let item = ItemFields { name: name.into(), columns: jane().columns };
            let err = render("{Appointment}", &item).unwrap_err();
            assert_eq!(err, RenderError::EmptyField { item: None, field: "Appointment".into() });
            assert!(err.to_string().starts_with("This item has no value"));
        }
    }

    #[test]
    fn long_item_names_are_cut_in_errors() {
        let item = ItemFields { name: "x".repeat(100), columns: vec![column("c", "C", "")] };
        let err = render("{C}", &item).unwrap_err();
        let RenderError::EmptyField { item, .. } = err else {
            panic!("expected EmptyField, got {err:?}");
        };
        assert_eq!(item, Some(format!("{}…", "x".repeat(60))));
    }

    #[test]
    fn errors_never_hold_rendered_values() {
        let template = "Hi {First name}, we will call {phone} about {status}: {Appointment}";
        let shown = render(template, &jane()).unwrap_err().to_string();
        for value in ["+12025550169", "5550169", "Paid"] {
            assert!(!shown.contains(value), "{shown}");
        }
    }

    #[test]
    fn debug_output_hides_names_and_values() {
        let shown = format!("{:?}", jane());
        assert!(!shown.contains("Jane") && !shown.contains("5550169"), "{shown}");
        assert!(shown.contains("First name") && shown.contains("phone"), "{shown}");
    }

    /// `{` and `}` doubled: the template spelling of literal text.
    fn escape(text: &str) -> String {
        text.replace('{', "{{").replace('}', "}}")
    }

    proptest! {
        #[test]
        fn parse_never_panics(source in any::<String>()) {
            let _ = Template::parse(&source);
        }

        #[test]
        fn parse_and_render_never_panic_on_brace_heavy_text(source in "[{}| a-zA-Z]{0,40}") {
            if let Ok(template) = Template::parse(&source) {
                let _ = template.fields();
                let _ = template.render(&jane());
            }
        }

        #[test]
        fn a_template_without_braces_renders_to_itself(text in "[^{}]*") {
            let template = Template::parse(&text).unwrap();
            prop_assert!(template.fields().is_empty());
            prop_assert_eq!(template.render(&ItemFields::default()).unwrap(), text);
        }

        #[test]
        fn escaped_text_renders_to_itself(text in any::<String>()) {
            let template = Template::parse(&escape(&text)).unwrap();
            prop_assert_eq!(template.render(&ItemFields::default()).unwrap(), text);
        }

        #[test]
        fn a_rendered_field_is_never_blank(value in "\\PC*", fallback in "[a-z]{1,8}") {
            let item = ItemFields {
                name: "x".into(),
                columns: vec![column("c", "C", &value)],
            };
            let body = render(&format!("<{{c|{fallback}}}>"), &item).unwrap();
            let inner = &body[1..body.len() - 1];
            prop_assert!(!inner.trim().is_empty());
            prop_assert!(inner == value.trim() || inner == fallback);
        }
    }
}
