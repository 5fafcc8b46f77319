//! Argument leniency: the conversions a JavaScript Workspace makes, each reported, and the
//! values no JavaScript implementation could use, each refused with the parameter named.

use agentdesk_protocol::scapi::{ClientMessage, Coercion, DecodeError, Request, RequestMessage};
use serde_json::{Value, json};

fn message(request: &str, parameters: Value) -> String {
    json!({ "request": request, "parameters": parameters, "referenceId": "1" }).to_string()
}

/// Decodes through the text entry point (the one the engine uses) and checks the value path
/// agrees with it.
fn decode(request: &str, parameters: Value) -> Result<RequestMessage, DecodeError> {
    let text = message(request, parameters);
    let decoded = ClientMessage::from_json(&text);
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(decoded, ClientMessage::decode(&value), "{text}");
    decoded.map(|m| match m {
        ClientMessage::Request(request) => request,
        other => panic!("not a request: {other:?}"),
    })
}

fn accepted(request: &str, parameters: Value) -> RequestMessage {
    decode(request, parameters.clone())
        .unwrap_or_else(|err| panic!("{request}({parameters}) refused: {err}"))
}

fn refused(request: &str, parameters: Value) -> DecodeError {
    match decode(request, parameters.clone()) {
        Ok(message) => panic!("{request}({parameters}) accepted: {message:?}"),
        Err(err) => err,
    }
}

/// The one conversion of a message: its slot, parameter name and the value decoded.
fn only_coercion(message: &RequestMessage) -> &Coercion {
    assert_eq!(message.coercions.len(), 1, "{:?}", message.coercions);
    &message.coercions[0]
}

/// The `parameters` the decoded message encodes.
fn encoded(message: &RequestMessage) -> Value {
    message.to_value()["parameters"].clone()
}

// --- numbers for strings -------------------------------------------------------------

#[test]
fn a_number_for_an_interaction_id_is_its_decimal_text() {
    let answer = accepted("voice.answer", json!([1]));
    let Request::VoiceAnswer(request) = &answer.request else {
        panic!("{:?}", answer.request);
    };
    assert_eq!(request.interaction_id, "1");
    let coercion = only_coercion(&answer);
    assert_eq!(
        (coercion.index, coercion.parameter, coercion.path.as_str()),
        (0, "interactionId", "$.parameters[0]")
    );
    assert_eq!((&coercion.from, &coercion.to), (&json!(1), &json!("1")));
    assert_eq!(
        coercion.to_string(),
        "argument 0 `interactionId`: number 1 → \"1\""
    );
    assert_eq!(encoded(&answer), json!(["1"]));

    let get = accepted("interaction.getByInteractionId", json!([1]));
    let Request::InteractionGetByInteractionId(request) = &get.request else {
        panic!("{:?}", get.request);
    };
    assert_eq!(request.interaction_id, "1");
    assert_eq!(only_coercion(&get).parameter, "interactionId");
}

#[test]
fn a_number_for_a_state_name_is_its_decimal_text() {
    let set = accepted("agent.setState", json!([1]));
    let Request::AgentSetState(request) = &set.request else {
        panic!("{:?}", set.request);
    };
    assert_eq!(request.state_operation_name, "1");
    assert_eq!(only_coercion(&set).parameter, "stateOperationName");
}

#[test]
fn numbers_are_written_as_javascript_writes_them() {
    for (number, text) in [
        (json!(5551234), "5551234"),
        (json!(-7), "-7"),
        (json!(2.0), "2"),
        (json!(1.5), "1.5"),
        (json!(-0.0), "0"),
        (json!(0.000001), "0.000001"),
        (json!(18446744073709551615u64), "18446744073709551615"),
    ] {
        let dial = accepted("voice.dial", json!([number]));
        assert_eq!(encoded(&dial), json!([text]), "{number}");
        assert_eq!(only_coercion(&dial).to, json!(text));
    }
}

#[test]
fn an_optional_string_converts_a_number_too() {
    let reject = accepted("outbound.rejectPreviewRecord", json!([5]));
    assert_eq!(encoded(&reject), json!(["5"]));
    assert_eq!(only_coercion(&reject).parameter, "interactionId");
    let none = accepted("outbound.rejectPreviewRecord", json!([null]));
    assert!(none.coercions.is_empty());
}

#[test]
fn strings_are_not_converted_and_take_the_text_path() {
    let answer = accepted("voice.answer", json!(["1"]));
    assert!(answer.coercions.is_empty());
}

#[test]
fn what_is_no_string_is_refused_naming_the_parameter() {
    for bad in [
        json!({}),
        json!({ "id": "1" }),
        json!(true),
        json!([1]),
        json!(null),
    ] {
        let err = refused("voice.answer", json!([bad]));
        assert_eq!(err.path, "$.parameters[0]", "{bad}");
        let hint = err.hint.clone().unwrap_or_default();
        assert!(
            hint.starts_with(
                "argument 0 `interactionId` of voice.answer(interactionId) must be a string or a number"
            ),
            "{bad}: {err}"
        );
    }
    let err = refused("voice.answer", json!([1e21]));
    assert!(err.problem.contains("exponent notation"), "{err}");
    let err = refused("voice.answer", json!([1e-7]));
    assert!(err.problem.contains("exponent notation"), "{err}");
}

// --- numeric strings for integers ------------------------------------------------------

#[test]
fn a_numeric_string_for_a_record_handle_is_its_number() {
    // The record's own GSW_RECORD_HANDLE is the string "1".
    let call = accepted("outbound.callPreviewRecord", json!(["2", "1"]));
    let Request::OutboundCallPreviewRecord(request) = &call.request else {
        panic!("{:?}", call.request);
    };
    assert_eq!(request.interaction_id, "2");
    assert_eq!(request.record_handle, Some(1));
    let coercion = only_coercion(&call);
    assert_eq!(
        (coercion.index, coercion.parameter, &coercion.to),
        (1, "recordHandle", &json!(1))
    );
    assert_eq!(
        coercion.to_string(),
        "argument 1 `recordHandle`: string \"1\" → 1"
    );
    assert_eq!(encoded(&call), json!(["2", 1]));
}

#[test]
fn integer_texts_and_whole_numbers_convert() {
    for (value, number) in [
        (json!("6"), 6),
        (json!(" 6 "), 6),
        (json!("+6"), 6),
        (json!("-3"), -3),
        (json!("007"), 7),
        (json!(6.0), 6),
        (json!("9223372036854775807"), i64::MAX),
    ] {
        let set = accepted("outbound.setCallResult", json!(["1", value]));
        assert_eq!(encoded(&set), json!(["1", number]), "{value}");
        assert_eq!(only_coercion(&set).parameter, "callResult");
    }
    let plain = accepted("outbound.setCallResult", json!(["1", 6]));
    assert!(plain.coercions.is_empty());
}

#[test]
fn what_is_no_integer_is_refused_naming_the_parameter() {
    for bad in [
        json!("abc"),
        json!(""),
        json!("  "),
        json!("2.5"),
        json!("0x10"),
        json!("1e3"),
        json!("NaN"),
        json!("Infinity"),
        json!("9223372036854775808"),
        json!(2.5),
        json!(1e300),
        json!(true),
        json!({}),
        json!([1]),
    ] {
        let err = refused("outbound.callPreviewRecord", json!(["1", bad]));
        assert_eq!(err.path, "$.parameters[1]", "{bad}");
        assert_eq!(
            err.hint.as_deref(),
            Some(
                "argument 1 `recordHandle` of outbound.callPreviewRecord(interactionId, recordHandle?) must be an integer or a string of decimal digits or null"
            ),
            "{bad}"
        );
    }
    // NaN has no JSON spelling: JSON.stringify writes null, which a required slot refuses.
    let err = refused("outbound.setCallResult", json!(["1", null]));
    assert_eq!(err.path, "$.parameters[1]");
}

// --- dates ---------------------------------------------------------------------------

fn reschedule_date(parameters: Value) -> (String, Vec<Coercion>) {
    let message = accepted("outbound.rescheduleRecord", parameters);
    let Request::OutboundRescheduleRecord(request) = &message.request else {
        panic!("{:?}", message.request);
    };
    (
        request.reschedule_date.as_str().to_owned(),
        message.coercions.clone(),
    )
}

#[test]
fn an_iso_date_is_the_samples_form_in_utc() {
    for (iso, sample) in [
        // A JavaScript Date through JSON.stringify.
        ("2026-12-02T10:00:00.000Z", "12/2/2026 10:00"),
        ("2026-12-02T10:05:59Z", "12/2/2026 10:05"),
        ("2026-12-02T10:05", "12/2/2026 10:05"),
        ("2026-12-02T00:30:00+02:00", "12/1/2026 22:30"),
        ("2026-12-31T23:30:00-01:00", "1/1/2027 0:30"),
        ("2028-02-29T23:59:00.5-0030", "3/1/2028 0:29"),
        ("2026-12-02", "12/2/2026 0:00"),
    ] {
        let (date, coercions) = reschedule_date(json!(["1", 1, iso, "PERSONAL"]));
        assert_eq!(date, sample, "{iso}");
        assert_eq!(coercions.len(), 1, "{iso}");
        assert_eq!(coercions[0].parameter, "rescheduleDate");
        assert_eq!(coercions[0].to, json!(sample));
    }
}

#[test]
fn a_date_and_a_handle_convert_together_in_parameter_order() {
    let (date, coercions) =
        reschedule_date(json!(["1", "1", "2026-12-02T10:00:00.000Z", "PERSONAL"]));
    assert_eq!(date, "12/2/2026 10:00");
    let names: Vec<&str> = coercions.iter().map(|c| c.parameter).collect();
    assert_eq!(names, ["recordHandle", "rescheduleDate"]);
}

#[test]
fn other_date_strings_are_kept_for_the_back_end() {
    for kept in ["10/21/2021 14:30", "tomorrow", "", "21.10.2021"] {
        let (date, coercions) = reschedule_date(json!(["1", 1, kept, "PERSONAL"]));
        assert_eq!(date, kept);
        assert!(coercions.is_empty(), "{kept}");
    }
}

#[test]
fn broken_iso_dates_and_non_strings_are_refused() {
    for bad in [
        "2026-13-02T10:00Z",
        "2026-02-30",
        "2026-12-02T24:00Z",
        "2026-12-02T10:00:61Z",
        "2026-12-02T10Z",
        "2026-12-02T10:00+25:00",
        "2026-1-2",
    ] {
        let err = refused(
            "outbound.rescheduleRecord",
            json!(["1", 1, bad, "PERSONAL"]),
        );
        assert_eq!(err.path, "$.parameters[2]", "{bad}");
        assert!(err.problem.contains("ISO-8601"), "{bad}: {err}");
        assert!(
            err.hint
                .as_deref()
                .unwrap_or_default()
                .starts_with("argument 2 `rescheduleDate`"),
            "{bad}: {err}"
        );
    }
    let err = refused(
        "outbound.rescheduleRecord",
        json!(["1", 1, 1796205600000u64, "PERSONAL"]),
    );
    assert!(
        err.hint
            .as_deref()
            .unwrap_or_default()
            .contains("toISOString"),
        "{err}"
    );
    let err = refused("outbound.rescheduleRecord", json!(["1", 1, {}, "PERSONAL"]));
    assert_eq!(err.path, "$.parameters[2]");
}

// --- toast widths --------------------------------------------------------------------

#[test]
fn a_css_pixel_width_is_its_number() {
    for width in ["500px", "500", " 500PX ", "500 px"] {
        let toast = accepted(
            "system.popupToast",
            json!([{ "title": "t", "width": width }]),
        );
        assert_eq!(
            encoded(&toast),
            json!([{ "title": "t", "width": 500 }]),
            "{width}"
        );
        let coercion = only_coercion(&toast);
        assert_eq!(coercion.path, "$.parameters[0].width");
        assert_eq!(coercion.parameter, "parameters");
    }
    let toast = accepted("system.popupToast", json!([{ "width": "500px" }]));
    assert_eq!(
        only_coercion(&toast).to_string(),
        "argument 0 `parameters`.width: string \"500px\" → 500"
    );
    let plain = accepted("system.popupToast", json!([{ "width": 500 }]));
    assert!(plain.coercions.is_empty());
    let update = accepted("system.updateToast", json!(["t1", { "width": "320px" }]));
    assert_eq!(only_coercion(&update).path, "$.parameters[1].width");
}

#[test]
fn a_timeout_text_is_its_milliseconds() {
    let toast = accepted(
        "system.popupToast",
        json!([{ "width": "500px", "autoCloseTimeout": "5000" }]),
    );
    assert_eq!(
        encoded(&toast),
        json!([{ "width": 500, "autoCloseTimeout": 5000 }])
    );
    let paths: Vec<&str> = toast.coercions.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(
        paths,
        ["$.parameters[0].width", "$.parameters[0].autoCloseTimeout"]
    );
}

#[test]
fn other_css_units_and_bad_counts_are_refused_naming_the_field() {
    for (width, problem) in [
        ("50%", "other CSS units"),
        ("20em", "other CSS units"),
        ("auto", "other CSS units"),
        ("", "other CSS units"),
        ("px", "other CSS units"),
        ("-5px", "non-negative"),
        ("500.5px", "whole"),
        ("99999999999px", "whole"),
    ] {
        let err = refused("system.popupToast", json!([{ "width": width }]));
        assert_eq!(err.path, "$.parameters[0].width", "{width}");
        assert!(err.problem.contains(problem), "{width}: {err}");
        assert_eq!(
            err.hint.as_deref(),
            Some(
                "argument 0 `parameters` of system.popupToast(parameters): `width` is a number of pixels: send 500 or \"500px\""
            ),
            "{width}"
        );
    }
    for timeout in ["-1", "soon", "5s"] {
        let err = refused(
            "system.popupToast",
            json!([{ "autoCloseTimeout": timeout }]),
        );
        assert_eq!(err.path, "$.parameters[0].autoCloseTimeout", "{timeout}");
    }
    let err = refused("system.popupToast", json!([{ "width": -5 }]));
    assert_eq!(err.path, "$.parameters[0]");
}

// --- the rest ------------------------------------------------------------------------

#[test]
fn the_request_table_says_what_each_slot_accepts() {
    let spec = agentdesk_protocol::scapi::requests::lookup("outbound.rescheduleRecord").unwrap();
    let accepts: Vec<&str> = spec.params.iter().map(|p| p.accepts).collect();
    assert_eq!(
        accepts,
        [
            "a string or a number (taken as its decimal text)",
            "an integer or a string of decimal digits",
            "a string: 'M/D/YYYY H:m' or an ISO-8601 date-time",
            "a string or a number (taken as its decimal text)",
        ]
    );
}

#[test]
fn request_decode_converts_and_decode_coerced_reports() {
    let request = Request::decode("voice.answer", &[json!(7)]).unwrap();
    assert_eq!(request.to_parameters(), [json!("7")]);
    let (request, coercions) = Request::decode_coerced("voice.answer", &[json!(7)]).unwrap();
    assert_eq!(request.to_parameters(), [json!("7")]);
    assert_eq!(coercions.len(), 1);
    // Unknown requests keep their parameters as received.
    let (request, coercions) = Request::decode_coerced("voice.fly", &[json!(7)]).unwrap();
    assert_eq!(request.to_parameters(), [json!(7)]);
    assert!(coercions.is_empty());
}
