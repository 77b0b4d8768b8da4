//! Phone (placeholder).
pub struct PhoneNumber;
