//! Every vector of spec §4.2 and §4.4, plus the refusals that matter.

use super::*;

/// The token of every §4.4 vector (V-A … V-D).
const TOKEN: &str = "0123456789abcdef0123456789abcdef";

fn secret(text: &str) -> SecretString {
    SecretString::from(text)
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

mod twilio_python_vectors {
    //! §4.2: twilio-python `test_request_validator.py` and twilio-node `validation.spec.js`.

    use super::*;

    const V0_TOKEN: &str = "12345";
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const JSON_BODY: &str = r#"{"property": "value", "boolean": true}"#;
    const JSON_HASH: &str = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
    const EMPTY_HASH: &str = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

    fn params() -> Vec<(String, String)> {
        pairs(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
            ("Caller", "+14158675309"),
        ])
    }

    fn valid(url: &str, params: &[(String, String)], signature: &str) -> bool {
        validate_form(url, params, signature, &secret(V0_TOKEN))
    }

    #[test]
    fn v0_the_reference_signature_validates() {
        assert!(valid(URL, &params(), "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
    }

    #[test]
    fn v0_a_signature_over_the_443_form_validates_for_the_portless_url() {
        assert!(valid(URL, &params(), "kvajT1Ptam85bY51eRf/AJRuM3w="));
    }

    #[test]
    fn v0_a_portless_signature_validates_for_a_url_given_with_443() {
        let url = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
        assert!(valid(url, &params(), "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
        assert!(valid(url, &params(), "kvajT1Ptam85bY51eRf/AJRuM3w="));
    }

    #[test]
    fn v0_a_signature_over_the_80_form_validates_for_the_portless_http_url() {
        let url = "http://mycompany.com/myapp.php?foo=1&bar=2";
        assert!(valid(url, &params(), "0ZXoZLH/DfblKGATFgpif+LLRf4="));
    }

    #[test]
    fn v0_a_custom_port_validates_as_given() {
        let url = "http://mycompany.com:1234/myapp.php?foo=1&bar=2";
        assert!(valid(url, &params(), "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="));
        // A custom port is part of what Twilio signed; it cannot be guessed when missing.
        let portless = "http://mycompany.com/myapp.php?foo=1&bar=2";
        assert!(!valid(portless, &params(), "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="));
    }

    #[test]
    fn repeated_digits_are_sorted_and_deduplicated() {
        let repeated = pairs(&[
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
            ("Digits", "1234"),
        ]);
        assert!(valid(URL, &repeated, "IK+Dwps556ElfBT0I3Rgjkr1wJU="));
    }

    #[test]
    fn the_json_body_vector_validates_with_its_hash() {
        assert_eq!(hex::encode(Sha256::digest(JSON_BODY)), JSON_HASH);
        let url = format!("{URL}&bodySHA256={JSON_HASH}");
        assert!(validate_json(&url, JSON_BODY.as_bytes(), "a9nBmqA0ju/hNViExpshrM61xv4=", &secret(V0_TOKEN)));
    }

    #[test]
    fn the_empty_json_body_validates_in_both_port_forms() {
        assert_eq!(hex::encode(Sha256::digest("{}")), EMPTY_HASH);
        let url = format!("{URL}&bodySHA256={EMPTY_HASH}");
        for signature in ["Ldidvp12m26NI7eqEvxnEpkd9Hc=", "rw/jVviOgicj2+kHZULvebnA4ag="] {
            assert!(validate_json(&url, b"{}", signature, &secret(V0_TOKEN)), "{signature}");
        }
    }

    #[test]
    fn a_json_body_that_does_not_match_its_hash_is_refused() {
        let url = format!("{URL}&bodySHA256={JSON_HASH}");
        let tampered = br#"{"property": "evil", "boolean": true}"#;
        assert!(!validate_json(&url, tampered, "a9nBmqA0ju/hNViExpshrM61xv4=", &secret(V0_TOKEN)));
    }

    #[test]
    fn a_json_url_without_a_body_hash_is_refused() {
        // Sign the bare URL ourselves: the signature is right, the hash is missing.
        let signature = compute_signature(URL, &secret(V0_TOKEN), SignatureAlgorithm::Sha1);
        let signature = signature.unwrap();
        assert!(!validate_json(URL, b"{}", &signature, &secret(V0_TOKEN)));
    }
}

mod our_vectors {
    //! §4.4: V-A … V-D, token `0123…ef`.

    use super::*;

    const V_A_URL: &str = "https://sms.example.com/twilio/inbound";
    const V_A_BODY: &str = "ToCountry=US&ToState=CA&SmsMessageSid=SM0123456789abcdef0123456789abcdef&NumMedia=0&ToCity=SAN+FRANCISCO&FromZip=94105&SmsSid=SM0123456789abcdef0123456789abcdef&FromState=CA&SmsStatus=received&FromCity=SAN+FRANCISCO&Body=Yes+please+%F0%9F%91%8D+caf%C3%A9&FromCountry=US&To=%2B14155550100&MessagingServiceSid=MG0123456789abcdef0123456789abcdef&ToZip=94105&NumSegments=1&MessageSid=SM0123456789abcdef0123456789abcdef&AccountSid=AC0123456789abcdef0123456789abcdef&From=%2B14155550123&ApiVersion=2010-04-01";
    const V_A_STRING: &str = "https://sms.example.com/twilio/inboundAccountSidAC0123456789abcdef0123456789abcdefApiVersion2010-04-01BodyYes please 👍 caféFrom+14155550123FromCitySAN FRANCISCOFromCountryUSFromStateCAFromZip94105MessageSidSM0123456789abcdef0123456789abcdefMessagingServiceSidMG0123456789abcdef0123456789abcdefNumMedia0NumSegments1SmsMessageSidSM0123456789abcdef0123456789abcdefSmsSidSM0123456789abcdef0123456789abcdefSmsStatusreceivedTo+14155550100ToCitySAN FRANCISCOToCountryUSToStateCAToZip94105";

    const V_B_URL: &str = "https://app.example.com/webhooks/twilio/status?board=42&step=3";
    const V_B_BODY: &str = "AccountSid=AC0123456789abcdef0123456789abcdef&ApiVersion=2010-04-01&From=%2B14155550100&MessageSid=SM89abcdef0123456789abcdef01234567&MessageStatus=undelivered&SmsSid=SM89abcdef0123456789abcdef01234567&SmsStatus=undelivered&To=%2B14155550123&ErrorCode=30003&MessagingServiceSid=MG0123456789abcdef0123456789abcdef";
    const V_B_STRING: &str = "https://app.example.com/webhooks/twilio/status?board=42&step=3AccountSidAC0123456789abcdef0123456789abcdefApiVersion2010-04-01ErrorCode30003From+14155550100MessageSidSM89abcdef0123456789abcdef01234567MessageStatusundeliveredMessagingServiceSidMG0123456789abcdef0123456789abcdefSmsSidSM89abcdef0123456789abcdef01234567SmsStatusundeliveredTo+14155550123";

    const V_C_URL: &str = "https://app.example.com/hook";
    const V_C_BODY: &str = "Body=&Tag=b&Tag=a&Tag=a&AccountSid=AC0123456789abcdef0123456789abcdef";
    const V_C_STRING: &str = "https://app.example.com/hookAccountSidAC0123456789abcdef0123456789abcdefBodyTagaTagb";

    const V_D_BODY: &str = r#"{"MessageSid":"SM0123456789abcdef0123456789abcdef","MessageStatus":"delivered"}"#;
    const V_D_HASH: &str = "dc2258e4a020db93938f1f9f391df93c029c22db97cc2bcab82f592f548a4f31";

    fn valid(url: &str, body: &str, signature: &str) -> bool {
        validate_form(url, &form_params(body.as_bytes()), signature, &secret(TOKEN))
    }

    #[test]
    fn v_a_builds_the_spec_string_to_sign() {
        let params = form_params(V_A_BODY.as_bytes());
        assert_eq!(string_to_sign(V_A_URL, &params), V_A_STRING);
    }

    #[test]
    fn v_a_the_inbound_sms_signature_validates() {
        assert!(valid(V_A_URL, V_A_BODY, "3Apb+c8L07s1SIRQjShKWQqTtjg="));
    }

    #[test]
    fn v_a_the_shared_key_sha256_signature_validates() {
        let params = form_params(V_A_BODY.as_bytes());
        assert!(validate_form_with(
            V_A_URL,
            &params,
            "yEPQNfcPgaK0057tqcXJ2kDWC+G8FTb+SsX9brPMfmc=",
            &secret(TOKEN),
            SignatureAlgorithm::Sha256
        ));
        // The SHA-1 header is not valid under SHA-256, and vice versa.
        assert!(!validate_form_with(
            V_A_URL,
            &params,
            "3Apb+c8L07s1SIRQjShKWQqTtjg=",
            &secret(TOKEN),
            SignatureAlgorithm::Sha256
        ));
        assert!(!valid(V_A_URL, V_A_BODY, "yEPQNfcPgaK0057tqcXJ2kDWC+G8FTb+SsX9brPMfmc="));
    }

    #[test]
    fn v_b_builds_the_spec_string_to_sign() {
        let params = form_params(V_B_BODY.as_bytes());
        assert_eq!(string_to_sign(V_B_URL, &params), V_B_STRING);
    }

    #[test]
    fn v_b_the_status_callback_validates_in_both_port_forms() {
        assert!(valid(V_B_URL, V_B_BODY, "La8xQfECDPZyxWXx8+SyYL1gm/U="));
        assert!(valid(V_B_URL, V_B_BODY, "wGZ+dHinopLo2rlFGPQaeyMYirg="));
    }

    #[test]
    fn v_b_a_percent_encoded_query_is_signed_as_sent() {
        let url = "https://app.example.com/webhooks/twilio/status?name=a%20b&x=%2B1";
        assert!(valid(url, V_B_BODY, "PEbultg63TgfSuFT7ivHQM9cWlA="));
    }

    #[test]
    fn v_c_builds_the_spec_string_to_sign() {
        let params = form_params(V_C_BODY.as_bytes());
        assert_eq!(string_to_sign(V_C_URL, &params), V_C_STRING);
    }

    #[test]
    fn v_c_repeated_keys_and_empty_values_validate() {
        assert!(valid(V_C_URL, V_C_BODY, "zxa8dg5wZcXgi67oxivc43Ye180="));
    }

    #[test]
    fn v_d_the_json_body_validates_with_its_hash() {
        assert_eq!(hex::encode(Sha256::digest(V_D_BODY)), V_D_HASH);
        let url = format!("https://app.example.com/hooks/json?bodySHA256={V_D_HASH}");
        assert!(validate_json(&url, V_D_BODY.as_bytes(), "01UoFQ0PZtZ/GsCPJsQZsm44/rk=", &secret(TOKEN)));
    }

    #[test]
    fn a_wrong_token_a_changed_parameter_or_a_missing_header_is_refused() {
        let params = form_params(V_B_BODY.as_bytes());
        let good = "La8xQfECDPZyxWXx8+SyYL1gm/U=";
        assert!(!validate_form(V_B_URL, &params, good, &secret("other")));
        let mut tampered = params.clone();
        tampered.push(("MessageStatus".into(), "delivered".into()));
        assert!(!validate_form(V_B_URL, &tampered, good, &secret(TOKEN)));
        assert!(!validate_form(V_B_URL, &params, "", &secret(TOKEN)));
        let other_path = "https://app.example.com/webhooks/twilio/inbound?board=42&step=3";
        assert!(!validate_form(other_path, &params, good, &secret(TOKEN)));
    }

    #[test]
    fn an_empty_token_never_validates_anything() {
        let params = form_params(V_C_BODY.as_bytes());
        let forged = STANDARD.encode(hmac_sha1(b"", string_to_sign(V_C_URL, &params).as_bytes()));
        assert!(!validate_form(V_C_URL, &params, &forged, &secret("")));
    }
}

mod helpers {
    use super::*;

    #[test]
    fn port_variants_add_or_drop_the_port_and_keep_everything_else() {
        assert_eq!(
            port_variants("https://a.example.com/p?q=%20x#f"),
            ["https://a.example.com/p?q=%20x#f", "https://a.example.com:443/p?q=%20x#f"]
        );
        assert_eq!(port_variants("http://a.example.com:8080"), ["http://a.example.com:8080", "http://a.example.com"]);
        assert_eq!(
            port_variants("https://user:pw@a.example.com/x"),
            ["https://user:pw@a.example.com/x", "https://user:pw@a.example.com:443/x"]
        );
        assert_eq!(port_variants("https://[::1]:8443/x"), ["https://[::1]:8443/x", "https://[::1]/x"]);
        assert_eq!(port_variants("not a url"), ["not a url"]);
    }

    #[test]
    fn signature_settings_headers_are_parsed() {
        let settings = SignatureSettings::parse("key=rule-key-1, algorithm=HMAC_SHA256").unwrap();
        assert_eq!(settings.algorithm, SignatureAlgorithm::Sha256);
        assert_eq!(settings.key.as_deref(), Some("rule-key-1"));
        let sha1 = SignatureSettings::parse("algorithm=hmac_sha1").unwrap();
        assert_eq!(sha1.algorithm, SignatureAlgorithm::Sha1);
        assert_eq!(SignatureSettings::parse("key=k,algorithm=ED25519"), None);
        assert_eq!(SignatureSettings::parse("key=k"), None);
    }

    #[test]
    fn public_urls_join_the_configured_base_and_the_received_path() {
        assert_eq!(
            public_url("https://sms.example.com/", "/twilio/inbound?x=1"),
            "https://sms.example.com/twilio/inbound?x=1"
        );
        assert_eq!(
            public_url("https://example.com/drip", "twilio/status?board=42&step=3"),
            "https://example.com/drip/twilio/status?board=42&step=3"
        );
    }
}
