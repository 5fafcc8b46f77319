//! `lenient.jsonl`: parameters of another JSON type that a JavaScript Workspace converts,
//! answered as if sent converted, and those no JavaScript could use, refused.

use serde_json::json;

use super::{APP, case, done, request, success};
use crate::conformance::format::{CampaignSetup, Case, Scenario, WorkspaceSetup};

const CAMPAIGN: &str = "Spring";

fn setup() -> WorkspaceSetup {
    WorkspaceSetup {
        seed: 7,
        campaigns: vec![CampaignSetup {
            name: CAMPAIGN.into(),
            mode: "pull".into(),
        }],
    }
}

fn options() -> String {
    format!("service-client-api.accepted-web-content-origins={APP}\n")
}

pub(super) fn cases() -> Vec<Case> {
    let ringing = Scenario::IncomingCall {
        ani: "+15550100".into(),
        dnis: "8000".into(),
        user_data: serde_json::Map::new(),
    };
    // A call rings first, so the previewed record is interaction 2.
    let previewing = |builder: super::Builder| {
        builder
            .workspace(setup())
            .scenario(0, ringing.clone())
            .scenario(
                0,
                Scenario::LoadCampaign {
                    campaign: CAMPAIGN.into(),
                },
            )
            .scenario(
                0,
                Scenario::StartCampaign {
                    campaign: CAMPAIGN.into(),
                },
            )
            .send(
                10,
                "a",
                request("p", "outbound.getPreviewRecord", json!([CAMPAIGN])),
            )
    };
    vec![
        case(
            "lenient/number-for-an-id",
            "voice.answer(1): a number where the table wants a string id is its decimal text, as in JavaScript.",
        )
        .options(&options())
        .frame("a", APP)
        .scenario(0, ringing.clone())
        .send(10, "a", request("1", "voice.answer", json!([1])))
        .expect(vec![("a", done("1"))])
        .send(20, "a", request("2", "interaction.getByInteractionId", json!([1])))
        .build(),
        previewing(
            case(
                "lenient/string-record-handle",
                "A record handle sent as the record carries it, a string of digits, is its number.",
            )
            .options(&options())
            .frame("a", APP),
        )
        .send(20, "a", request("1", "outbound.callPreviewRecord", json!(["2", "1"])))
        .expect(vec![("a", done("1"))])
        .build(),
        previewing(
            case(
                "lenient/iso-reschedule-date",
                "A Date serialised by JSON.stringify (ISO-8601) reschedules as the sample's M/D/YYYY H:mm, in UTC.",
            )
            .options(&options())
            .frame("a", APP),
        )
        .send(
            20,
            "a",
            request(
                "1",
                "outbound.rescheduleRecord",
                json!(["2", "1", "2030-01-02T10:00:00.000Z", "CAMPAIGN"]),
            ),
        )
        .expect(vec![("a", done("1"))])
        .build(),
        case(
            "lenient/css-pixel-toast-width",
            "A toast width written as CSS pixels (\"500px\") is its number of pixels.",
        )
        .options(&options())
        .frame("a", APP)
        .send(
            0,
            "a",
            request("1", "system.popupToast", json!([{ "title": "Caller", "width": "500px" }])),
        )
        .expect(vec![("a", success("1", json!("wweCustomToast0")))])
        .build(),
        previewing(
            case(
                "lenient/refused",
                "What no JavaScript implementation could use is refused, naming the parameter, its position and the fix.",
            )
            .options(&options())
            .frame("a", APP),
        )
        .send(20, "a", request("1", "voice.answer", json!([{ "id": "1" }])))
        .send(30, "a", request("2", "outbound.callPreviewRecord", json!(["2", "first"])))
        .send(40, "a", request("3", "system.popupToast", json!([{ "width": "50%" }])))
        .send(
            50,
            "a",
            request(
                "4",
                "outbound.rescheduleRecord",
                json!(["2", 1, "2030-13-02T10:00:00Z", "CAMPAIGN"]),
            ),
        )
        .build(),
    ]
}
