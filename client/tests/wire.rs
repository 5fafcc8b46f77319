//! What the client puts on the wire and how it routes what comes back, against a scripted
//! peer behind a custom `Transport`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use agentdesk_client::{Client, ClientError, Transport, TransportError};
use agentdesk_protocol::scapi::requests::{AgentGet, VoiceDial};
use agentdesk_protocol::scapi::{Event, EventName};
use async_trait::async_trait;
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// The client's side: what it sends goes to the peer, what the peer answers comes back.
struct Scripted {
    to_peer: mpsc::UnboundedSender<String>,
    from_peer: mpsc::UnboundedReceiver<String>,
}

#[async_trait]
impl Transport for Scripted {
    async fn send(&mut self, text: String) -> Result<(), TransportError> {
        self.to_peer
            .send(text)
            .map_err(|_| TransportError::new("peer gone"))
    }

    async fn recv(&mut self) -> Option<Result<String, TransportError>> {
        self.from_peer.recv().await.map(Ok)
    }

    async fn close(&mut self) {
        self.from_peer.close();
    }
}

/// The test's side.
struct Peer {
    sent: mpsc::UnboundedReceiver<String>,
    answers: mpsc::UnboundedSender<String>,
}

impl Peer {
    async fn next(&mut self) -> Value {
        let text = tokio::time::timeout(Duration::from_secs(5), self.sent.recv())
            .await
            .expect("the client sent nothing")
            .expect("the client is gone");
        serde_json::from_str(&text).unwrap()
    }

    fn answer(&self, message: Value) {
        self.answers.send(message.to_string()).unwrap();
    }
}

fn pair() -> (Client, Peer) {
    let (to_peer, sent) = mpsc::unbounded_channel();
    let (answers, from_peer) = mpsc::unbounded_channel();
    let client = Client::new(Scripted { to_peer, from_peer });
    (client, Peer { sent, answers })
}

fn success(reference_id: &Value, data: Value) -> Value {
    json!({ "referenceId": reference_id, "data": data, "userAgent": "WWE Server", "protocolVersion": 2 })
}

#[tokio::test]
async fn requests_count_reference_ids_as_strings_and_echo_the_frame_id_after_the_handshake() {
    let (client, mut peer) = pair();
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.agent().get().await }
    });
    let first = peer.next().await;
    assert_eq!(
        first,
        json!({ "request": "agent.get", "referenceId": "0", "userAgent": "WWE Client", "protocolVersion": 2 })
    );
    peer.answer(success(
        &first["referenceId"],
        json!({ "username": "jdoe" }),
    ));
    let agent = call.await.unwrap().unwrap();
    assert_eq!(agent.username.as_deref(), Some("jdoe"));

    peer.answer(json!({ "frameId": "frame-7", "userAgent": "WWE Server", "protocolVersion": 2 }));
    // The handshake is processed in order with the answers: wait until it is seen.
    while client.frame_id().is_none() {
        tokio::task::yield_now().await;
    }
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.voice().dial("5551234", None).await }
    });
    let second = peer.next().await;
    assert_eq!(
        second,
        json!({
            "request": "voice.dial", "parameters": ["5551234", null], "referenceId": "1",
            "frameId": "frame-7", "userAgent": "WWE Client", "protocolVersion": 2
        })
    );
    peer.answer(json!({ "referenceId": "1", "userAgent": "WWE Server", "protocolVersion": 2 }));
    call.await.unwrap().unwrap();
}

#[tokio::test]
async fn answers_are_matched_by_reference_id_whatever_their_order() {
    let (client, mut peer) = pair();
    let first = tokio::spawn({
        let client = client.clone();
        async move { client.send(AgentGet::new()).await }
    });
    let a = peer.next().await;
    let second = tokio::spawn({
        let client = client.clone();
        async move { client.call(AgentGet::new()).await }
    });
    let b = peer.next().await;
    peer.answer(success(&b["referenceId"], json!({ "username": "second" })));
    peer.answer(success(&a["referenceId"], json!({ "username": "first" })));
    assert_eq!(
        first.await.unwrap().unwrap(),
        Some(json!({ "username": "first" }))
    );
    assert_eq!(
        second.await.unwrap().unwrap().username.as_deref(),
        Some("second")
    );
}

#[tokio::test]
async fn failures_are_denials_unless_they_carry_the_request_name() {
    let (client, mut peer) = pair();
    let denied = tokio::spawn({
        let client = client.clone();
        async move { client.agent().get().await }
    });
    let message = peer.next().await;
    peer.answer(json!({ "referenceId": message["referenceId"], "errorMessage": "not granted", "userAgent": "WWE Server" }));
    assert_eq!(
        denied.await.unwrap().unwrap_err(),
        ClientError::Denied {
            error_message: "not granted".into()
        }
    );

    let limited = tokio::spawn({
        let client = client.clone();
        async move { client.call(VoiceDial::new("1".into(), None)).await }
    });
    let message = peer.next().await;
    peer.answer(json!({
        "referenceId": message["referenceId"],
        "errorMessage": "The rate limit for the request 'voice.dial' has been reached.",
        "request": "voice.dial", "userAgent": "WWE Server"
    }));
    assert_eq!(
        limited.await.unwrap().unwrap_err(),
        ClientError::RateLimited {
            request: "voice.dial".into(),
            error_message: "The rate limit for the request 'voice.dial' has been reached.".into()
        }
    );
}

#[tokio::test]
async fn an_answer_of_the_wrong_shape_is_a_decode_error_for_that_call() {
    let (client, mut peer) = pair();
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.sip_endpoint().is_microphone_mute().await }
    });
    let message = peer.next().await;
    peer.answer(success(&message["referenceId"], json!("yes")));
    let error = call.await.unwrap().unwrap_err();
    assert!(
        matches!(&error, ClientError::Decode { request, .. } if request == "sipEndpoint.isMicrophoneMute"),
        "{error:?}"
    );

    // A message that does not even decode still ends the call it answers.
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.agent().get().await }
    });
    let message = peer.next().await;
    peer.answer(json!({ "referenceId": message["referenceId"], "errorMessage": 42 }));
    assert!(matches!(
        call.await.unwrap(),
        Err(ClientError::Decode { .. })
    ));
}

#[tokio::test(start_paused = true)]
async fn calls_time_out_after_ten_seconds_by_default_or_as_configured() {
    let (client, mut peer) = pair();
    assert_eq!(client.timeout(), Duration::from_secs(10));
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.agent().get().await }
    });
    let message = peer.next().await;
    let started = tokio::time::Instant::now();
    let error = call.await.unwrap().unwrap_err();
    assert_eq!(
        error,
        ClientError::Timeout {
            request: "agent.get".into(),
            after: Duration::from_secs(10)
        }
    );
    assert!(started.elapsed() >= Duration::from_secs(9));
    // The late answer is dropped, and the client keeps working.
    peer.answer(success(
        &message["referenceId"],
        json!({ "username": "late" }),
    ));

    let quick = client.with_timeout(Duration::from_millis(250));
    let call = tokio::spawn(async move { quick.agent().get_state().await });
    peer.next().await;
    assert_eq!(
        call.await.unwrap().unwrap_err(),
        ClientError::Timeout {
            request: "agent.getState".into(),
            after: Duration::from_millis(250)
        }
    );
    assert_eq!(client.timeout(), Duration::from_secs(10));
}

#[tokio::test]
async fn subscriptions_route_events_by_name_and_may_only_be_made_once() {
    let (client, mut peer) = pair();
    let subscribe = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .subscribe(&[EventName::Agent, EventName::Messenger("crm".into())])
                .await
        }
    });
    let message = peer.next().await;
    assert_eq!(
        message,
        json!({ "event": "subscribe", "data": ["agent", "messenger:crm"], "referenceId": "0", "userAgent": "WWE Client", "protocolVersion": 2 })
    );
    peer.answer(json!({ "referenceId": "0", "subscriptionId": "s-1", "userAgent": "WWE Server" }));
    let mut subscription = subscribe.await.unwrap().unwrap();
    assert_eq!(subscription.id(), "s-1");

    peer.answer(json!({ "event": "interaction", "data": { "eventType": "CASE_SELECTED", "selectedCaseId": "c" }, "userAgent": "WWE Server" }));
    peer.answer(json!({ "event": "messenger:crm", "data": { "n": 1 }, "userAgent": "WWE Server" }));
    peer.answer(
        json!({ "event": "messenger:other", "data": { "n": 2 }, "userAgent": "WWE Server" }),
    );
    peer.answer(json!({ "event": "messenger:crm", "data": { "n": 3 }, "userAgent": "WWE Server" }));
    let payloads: Vec<Value> = (&mut subscription)
        .take(2)
        .map(|event| match event {
            Event::Messenger { payload, .. } => payload,
            other => panic!("unexpected {other:?}"),
        })
        .collect()
        .await;
    assert_eq!(payloads, vec![json!({ "n": 1 }), json!({ "n": 3 })]);

    let again = client.subscribe(&[EventName::Interaction]).await;
    let error = again.unwrap_err();
    assert_eq!(
        error,
        ClientError::AlreadySubscribed {
            subscription_id: "s-1".into()
        }
    );
    assert!(error.to_string().contains("subscribe only once"));

    client.unsubscribe(subscription).await.unwrap();
    assert_eq!(
        peer.next().await,
        json!({ "event": "unsubscribe", "data": "s-1", "referenceId": "1", "userAgent": "WWE Client", "protocolVersion": 2 })
    );
    // Unsubscribing frees the client to subscribe again.
    let subscribe = tokio::spawn({
        let client = client.clone();
        async move { client.subscribe(&[EventName::Interaction]).await }
    });
    let message = peer.next().await;
    assert_eq!(message["referenceId"], "2");
    peer.answer(json!({ "referenceId": "2", "subscriptionId": "s-2", "userAgent": "WWE Server" }));
    assert_eq!(subscribe.await.unwrap().unwrap().id(), "s-2");
}

#[tokio::test]
async fn a_refused_subscription_does_not_count_as_the_one_subscription() {
    let (client, mut peer) = pair();
    let subscribe = tokio::spawn({
        let client = client.clone();
        async move { client.subscribe(&[EventName::parse("bogus")]).await }
    });
    let message = peer.next().await;
    peer.answer(json!({ "referenceId": message["referenceId"], "errorMessage": "Cannot subscribe to this event: bogus" }));
    assert!(matches!(
        subscribe.await.unwrap(),
        Err(ClientError::Denied { .. })
    ));
    let subscribe = tokio::spawn({
        let client = client.clone();
        async move { client.subscribe(&[EventName::Agent]).await }
    });
    let message = peer.next().await;
    peer.answer(json!({ "referenceId": message["referenceId"], "subscriptionId": "s-9" }));
    assert_eq!(subscribe.await.unwrap().unwrap().id(), "s-9");
}

#[tokio::test]
async fn when_the_connection_ends_every_pending_call_fails_with_closed_at_once() {
    let (client, mut peer) = pair();
    let subscribe = tokio::spawn({
        let client = client.clone();
        async move { client.subscribe(&[EventName::Agent]).await }
    });
    let message = peer.next().await;
    peer.answer(json!({ "referenceId": message["referenceId"], "subscriptionId": "s-1" }));
    let mut subscription = subscribe.await.unwrap().unwrap();

    let calls: Vec<_> = (0..3)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.agent().get().await })
        })
        .collect();
    for _ in 0..3 {
        peer.next().await;
    }
    drop(peer);
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap_err(), ClientError::Closed);
    }
    assert_eq!(subscription.next().await, None);
    assert!(client.is_closed());
    assert_eq!(client.agent().get().await.unwrap_err(), ClientError::Closed);
    assert_eq!(
        client.subscribe(&[EventName::Agent]).await.unwrap_err(),
        ClientError::Closed
    );
}

#[tokio::test]
async fn close_fails_pending_calls_and_ends_the_transport() {
    let (client, mut peer) = pair();
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.agent().get().await }
    });
    peer.next().await;
    client.close().await;
    assert_eq!(call.await.unwrap().unwrap_err(), ClientError::Closed);
    assert!(client.is_closed());
    assert_eq!(peer.sent.recv().await, None);
}
