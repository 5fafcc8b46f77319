#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The `options` subcommands, run as the built binary on temporary files.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

const BIN: &str = env!("CARGO_BIN_EXE_agentdesk-server");

const SEED: &str = "[interaction-workspace]\n\
service-client-api.accepted-web-content-origins=http://my-web-server0, http://my-web-server1 (*), http://my-web-server2 (agent.*, voice.dial), http://my-web-server3 (agent.*, interaction.*)\n\
service-client-api.rate-limit=0\n\
service-client-api.rate-limit.voice.dial=4\n\
service-client-api.rate-limit.email.create=2\n";

struct TempFile(PathBuf);

impl TempFile {
    fn new(text: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "agentdesk-options-{}-{}.cfg",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, text).unwrap();
        Self(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn run(args: &[&str]) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(BIN).args(args).output().unwrap();
    (
        status.code().unwrap(),
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

fn explain(file: &TempFile, origin: &str, request: &str) -> (i32, String, String) {
    run(&[
        "options",
        "explain",
        file.0.to_str().unwrap(),
        "--origin",
        origin,
        "--request",
        request,
    ])
}

#[test]
fn check_prints_the_canonical_policy() {
    let file = TempFile::new(SEED);
    let (code, out, err) = run(&["options", "check", file.0.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("[interaction-workspace]\n"));
    assert!(out.contains(
        "=http://my-web-server0, http://my-web-server1, http://my-web-server2 (agent.*, voice.dial)"
    ));
    assert!(out.contains("service-client-api.rate-limit-quarantine-delay=30\n"));
    assert!(err.contains("0 warning(s)"), "{err}");
    // The printout is itself a valid file that prints the same.
    let again = TempFile::new(&out);
    let (code, out_again, _) = run(&["options", "check", again.0.to_str().unwrap()]);
    assert_eq!((code, out_again), (0, out));
}

#[test]
fn check_reports_lint_warnings() {
    let file = TempFile::new(
        "service-client-api.accepted-web-content-origins=* (*, auth.getJwtToken), http://a, http://A:80\n\
         service-client-api.rate-limit=3\n\
         service-client-api.rate-limit.voice.dial=5\n\
         service-client-api.unknown=1\n",
    );
    let (code, _, err) = run(&["options", "check", file.0.to_str().unwrap()]);
    assert_eq!(code, 0);
    for expected in [
        "`*` lets any page use the API",
        "auth.getJwtToken: any page can obtain",
        "is listed again; this entry never applies",
        "never binds",
        "unknown option `service-client-api.unknown`",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in\n{err}");
    }
    assert!(err.contains("warning: "));
    assert!(err.contains("line 1, column "));
}

#[test]
fn check_fails_on_errors() {
    let file = TempFile::new(
        "# header\nservice-client-api.accepted-web-content-origins=http://a (*.dial), http://b/path\n",
    );
    let (code, out, err) = run(&["options", "check", file.0.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("line 2, column 59"), "{err}");
    assert!(err.contains("starts with a wildcard"), "{err}");
    assert!(err.contains("has a path"), "{err}");
    let (code, _, err) = run(&["options", "check", "/nonexistent/agentdesk.cfg"]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot read"));
}

#[test]
fn explain_exit_status_contract() {
    let file = TempFile::new(SEED);
    let (code, out, _) = explain(&file, "http://my-web-server2", "voice.dial");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("decision: allow"));
    assert!(out.contains("rule: service-client-api.accepted-web-content-origins: entry `http://my-web-server2 (agent.*, voice.dial)` grants it through the filter `voice.dial`"), "{out}");

    let (code, out, _) = explain(&file, "http://my-web-server2", "email.create");
    assert_eq!(code, 1);
    assert!(out.contains("decision: deny"));
    assert!(out.contains("none of its filters grants the request"));

    let (code, out, _) = explain(&file, "http://my-web-server.evil.com", "agent.get");
    assert_eq!(code, 1);
    assert!(out.contains("decision: ignore"));
    assert!(out.contains("no entry matches the origin"));

    let (code, out, _) = explain(&file, "http://my-web-server0", "auth.getJwtToken");
    assert_eq!(code, 1);
    assert!(out.contains("granted only when named"));

    let (code, _, _) = explain(&file, "null", "agent.get");
    assert_eq!(code, 1);
}

#[test]
fn explain_without_a_usable_file_is_not_a_decision() {
    let broken =
        TempFile::new("service-client-api.accepted-web-content-origins=http://a (agent.*\n");
    let (code, out, err) = explain(&broken, "http://a", "agent.get");
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("never closed"));
    let (code, _, _) = run(&[
        "options",
        "explain",
        "/nonexistent.cfg",
        "--origin",
        "http://a",
        "--request",
        "agent.get",
    ]);
    assert_eq!(code, 2);
    let (code, _, _) = run(&["options", "explain"]);
    assert_eq!(code, 2, "missing arguments are usage errors");
}

#[test]
fn check_files_an_alias_limit_under_its_request_and_says_so() {
    let file = TempFile::new(
        "service-client-api.accepted-web-content-origins=https://crm.example\n\
         service-client-api.rate-limit.interaction.attachUserData=5\n\
         service-client-api.rate-limit.crm.openRecord=2\n",
    );
    let (code, out, err) = run(&["options", "check", file.0.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("service-client-api.rate-limit.interaction.setUserData=5\n"),
        "{out}"
    );
    assert!(!out.contains("attachUserData"), "{out}");
    for expected in [
        "line 2, column ",
        "rate-limit.interaction.attachUserData names the legacy alias of interaction.setUserData",
        "write rate-limit.interaction.setUserData",
        "line 3, column ",
        "`crm.openRecord` is not a known request",
        "2 warning(s)",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in\n{err}");
    }

    // The same limit through the request and its alias cannot be meant.
    let both = TempFile::new(
        "service-client-api.rate-limit.interaction.setUserData=5\n\
         service-client-api.rate-limit.interaction.updateUserData=9\n",
    );
    let (code, out, err) = run(&["options", "check", both.0.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(
        err.contains("line 2, column 1") && err.contains("line 1 sets it with"),
        "{err}"
    );
}

#[test]
fn explain_on_an_unknown_request_name_is_not_a_decision() {
    // `*` would let any name through; a misspelt name still gets no "allow".
    let file = TempFile::new("service-client-api.accepted-web-content-origins=*\n");
    let (code, out, err) = explain(&file, "http://my-web-server0", "agent.getState");
    assert_eq!(code, 0, "{out}{err}");

    let (code, out, err) = explain(&file, "http://my-web-server0", "Auth.getJwtToken");
    assert_eq!(code, 2, "{out}");
    assert!(out.is_empty(), "no decision is printed: {out}");
    assert!(
        err.contains("error: `Auth.getJwtToken` is not a known request")
            && err.contains("did you mean `auth.getJwtToken`?"),
        "{err}"
    );

    let (code, _, err) = explain(&file, "http://my-web-server0", "voice.dail");
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `voice.dial`?"), "{err}");

    let (code, _, err) = explain(&file, "http://my-web-server0", "crm.openRecord");
    assert_eq!(code, 2);
    assert!(err.contains("is not a known request"), "{err}");
    assert!(!err.contains("did you mean"), "{err}");

    // A legacy alias is a known request.
    let (code, out, _) = explain(&file, "http://my-web-server0", "interaction.attachUserData");
    assert_eq!(code, 0, "{out}");
}

#[test]
fn files_saved_with_a_byte_order_mark_and_crlf_work() {
    let plain = TempFile::new(SEED);
    let windows = TempFile::new(&format!("\u{feff}{}", SEED.replace('\n', "\r\n")));
    let (code, expected, _) = run(&["options", "check", plain.0.to_str().unwrap()]);
    assert_eq!(code, 0);
    let (code, out, err) = run(&["options", "check", windows.0.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, expected);
    assert!(err.contains("0 warning(s)"), "{err}");

    let (code, out, _) = explain(&windows, "http://my-web-server2", "voice.dial");
    assert_eq!(code, 0, "{out}");
    let (code, _, _) = explain(&windows, "http://my-web-server2", "email.create");
    assert_eq!(code, 1);
}

#[test]
fn check_says_the_read_list_does_not_filter_record_fields() {
    let file = TempFile::new(
        "service-client-api.accepted-web-content-origins=https://crm.example (outbound.*)\n\
         service-client-api.user-data.read-allowed=Segment\n",
    );
    let (code, _, err) = run(&["options", "check", file.0.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("line 2, column ")
            && err.contains("outbound record fields")
            && err.contains("are not filtered"),
        "{err}"
    );
}

#[test]
fn check_names_each_view_section_that_cannot_work() {
    let file = TempFile::new(
        "[interaction-workspace]\n\
         service-client-api.accepted-web-content-origins=https://crm.example.com\n\
         workspace.web-content=CrmPanel,Elsewhere,Missing\n\
         [CrmPanel]\n\
         url=https://crm.example.com/panel.html\n\
         [Elsewhere]\n\
         url=https://other.example/app.html\n",
    );
    let (code, out, err) = run(&["options", "check", file.0.to_str().unwrap()]);
    assert_eq!(code, 0, "views are warnings, not errors:\n{err}");
    assert!(out.contains("https://crm.example.com"), "{out}");
    assert!(
        err.contains(
            "line 7: [Elsewhere] url: the view's origin https://other.example is not accepted"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "add https://other.example to service-client-api.accepted-web-content-origins"
        ),
        "{err}"
    );
    assert!(
        err.contains("view section `[Missing]` is not in the file"),
        "{err}"
    );
    assert!(
        !err.contains("[CrmPanel]"),
        "an accepted view is not reported:\n{err}"
    );
    assert!(err.contains(": ok, 2 warning(s)"), "{err}");
}
