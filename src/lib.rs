//! SMS & Drip for Twilio.
